"""The desktop client (PySide6). Presents and asks the services; holds no SQL and no business rules."""

# Before any signal is emitted: guard against the PySide6 6.12.0 reference-count bug.
from flagdesk.ui import qtcompat as _qtcompat  # noqa: F401
