"""Monitoring as code: recording rules, alerts and the Grafana dashboard, generated from one source.

``python -m hub.monitoring.generate --out deploy/`` writes ``deploy/prometheus/rules.yml``,
``deploy/prometheus/prometheusrule.yaml`` and ``deploy/grafana/hub-dashboard.json``.
"""
