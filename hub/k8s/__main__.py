"""``python -m hub.k8s render --config DIR --out DIR``."""

import sys

from hub.k8s.cli import main

sys.exit(main(["k8s", *sys.argv[1:]]))
