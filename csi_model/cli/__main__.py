"""``python -m csi_model.cli`` is ``csi-model``."""
import sys

from ._main import main

sys.exit(main())
