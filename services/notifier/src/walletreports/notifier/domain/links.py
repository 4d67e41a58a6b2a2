"""The product's pages that notifications link to, from NOTIFIER_PUBLIC_BASE_URL.

web serves them (the paths follow the product brief: /analysis/order/<id>/ for an
order, its report files below it, /dashboard/); staff links go to web's console under
/admin. Path segments are percent-encoded, so a file name can never leave its folder.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import quote

from .errors import CannotRender

# Ids as events carry them, or as a template's facts keep them (text).
Id = uuid.UUID | str


def _segment(value: str) -> str:
    return quote(value, safe="")


def plain_file_name(file_name: str) -> str:
    """A report's file name as a link may carry it: a plain name, no folder, no dots only."""
    if (
        not file_name
        or "/" in file_name
        or "\\" in file_name
        or file_name.strip(".") == ""
        or any(ord(c) < 32 for c in file_name)
    ):
        raise CannotRender(f"report file name {file_name!r} is not a plain file name")
    return file_name


@dataclass(frozen=True, slots=True)
class Links:
    base_url: str  # no trailing slash

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    def dashboard(self) -> str:
        return f"{self.base_url}/dashboard/"

    def order(self, order_id: Id) -> str:
        return f"{self.base_url}/analysis/order/{_segment(str(order_id))}/"

    def order_payment(self, order_id: Id) -> str:
        return f"{self.order(order_id)}payment/"

    def report(self, order_id: Id, file_name: str) -> str:
        return f"{self.order(order_id)}reports/{_segment(plain_file_name(file_name))}"

    def new_analysis(self) -> str:
        return f"{self.base_url}/analysis/new/"

    def notification_settings(self) -> str:
        return f"{self.base_url}/account/notifications/"

    def admin_order(self, order_id: Id) -> str:
        return f"{self.base_url}/admin/orders/{_segment(str(order_id))}"

    def admin_invoice(self, invoice_id: Id) -> str:
        return f"{self.base_url}/admin/invoices/{_segment(str(invoice_id))}"

    def admin_refund(self, refund_id: Id) -> str:
        return f"{self.base_url}/admin/refunds/{_segment(str(refund_id))}"

    def admin_intake(self) -> str:
        return f"{self.base_url}/admin/intake"

    def is_ours(self, url: str) -> bool:
        """Whether `url` is a page under the base URL (a transactional mail's link must be)."""
        return url.startswith(f"{self.base_url}/")
