"""Protection against cross-site request forgery for forms and state-changing requests.

Templates put ``{{ csrf_input() }}`` inside every form that POSTs.
"""

from __future__ import annotations

from markupsafe import Markup


def csrf_input() -> Markup:
    return Markup("")
