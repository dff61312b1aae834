"""Integration hub for municipal e-government.

Data flow, one subpackage per stage:

    intake  ->  routing  ->  delivery  ->  tracking
    (HTTP)      (faust)      (faust)       (faust + table)

``events`` holds the wire contract (Avro schemas in ``schemas/avro/``), ``config``
the tenant and portal configuration, ``runtime`` the process wiring.
"""

__version__ = "0.1.0"
