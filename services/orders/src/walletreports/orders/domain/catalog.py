"""What we sell and the numbers pricing needs, loaded from `catalog.toml` (shipped inside
the orders package, next to `settings.py`).

Prices live in a file rather than in code so that a price change is a reviewed config
change, not a release. The file is validated in full at startup: a bad key stops the
service with a message naming the key, instead of mispricing orders later.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import CatalogConfigError, UnknownProduct

ProductKind = Literal["report", "subscription"]
_PRODUCT_KINDS = ("report", "subscription")


def _decimal_from_string(value: object, *, example: str) -> Decimal:
    # TOML would read 25.00 as a float; demanding a string keeps floats out of money.
    if not isinstance(value, str):
        raise ValueError(f'must be a quoted string like "{example}", got {value!r}')
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise ValueError(f'must be a decimal number like "{example}", got {value!r}') from None
    if not number.is_finite():
        raise ValueError(f"must be a finite number, got {value!r}")
    return number


def _usd_price(value: object) -> Decimal:
    price = _decimal_from_string(value, example="25.00")
    if price.as_tuple().exponent != -2:
        raise ValueError(f'must have exactly two decimal places like "25.00", got {value!r}')
    return price


def _multiplier(value: object) -> Decimal:
    return _decimal_from_string(value, example="1.8")


# Free products would need a "paid without payment" path; nothing we sell is free.
UsdPrice = Annotated[Decimal, BeforeValidator(_usd_price), Field(gt=0)]
Multiplier = Annotated[Decimal, BeforeValidator(_multiplier), Field(gt=0)]
Percent = Annotated[int, Field(strict=True, ge=0, le=100)]
PositiveInt = Annotated[int, Field(strict=True, gt=0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReportProduct(_Frozen):
    """A wallet report: one wallet, one set of CSV files."""

    kind: Literal["report"]
    code: str
    name: str
    price_usd: UsdPrice


class SubscriptionPlan(_Frozen):
    """A plan bought as an order; while active it covers or discounts report orders."""

    kind: Literal["subscription"]
    code: str
    name: str
    price_usd: UsdPrice
    duration_days: PositiveInt
    reports_included: Annotated[int, Field(strict=True, ge=0)]
    # Off the report price once the included reports are used up.
    report_discount_percent: Percent


Product = Annotated[ReportProduct | SubscriptionPlan, Field(discriminator="kind")]


class AuditFeeSchedule(_Frozen):
    """The second seed's SOL fee model; see `fee_model.calculate_audit_fee` for the rule."""

    base_fee_lamports: Annotated[int, Field(strict=True, ge=0)]
    usage_lamports_per_token: Annotated[int, Field(strict=True, ge=0)]
    fee_quantum_lamports: PositiveInt
    max_tokens_used: PositiveInt
    subscriber_discount_percent: Percent
    risk_multipliers: dict[int, Multiplier]

    @field_validator("risk_multipliers")
    @classmethod
    def _covers_scores_one_to_ten(cls, table: dict[int, Decimal]) -> dict[int, Decimal]:
        if sorted(table) != list(range(1, 11)):
            raise ValueError(f"must give exactly the scores 1 to 10, got {sorted(table)}")
        ordered = [table[score] for score in range(1, 11)]
        if ordered != sorted(ordered):
            raise ValueError("must not decrease as the risk score grows")
        return table


class OrderRules(_Frozen):
    # The seed's 15 minutes. Payments owns the invoice clock; this is the orders side's
    # own deadline so an order whose invoice never came still ends.
    payment_window_minutes: PositiveInt


class Catalog(_Frozen):
    products: dict[str, Product]
    audit_fee: AuditFeeSchedule
    orders: OrderRules

    @model_validator(mode="before")
    @classmethod
    def _name_products_by_their_table(cls, data: Any) -> Any:
        # The table name is the product code; copying it in lets a product say what it is.
        if isinstance(data, Mapping) and isinstance(data.get("products"), Mapping):
            products = {}
            for code, table in data["products"].items():
                if isinstance(table, Mapping):
                    if "code" in table:
                        raise ValueError(
                            f"products.{code}.code: leave it out; the table name is the code"
                        )
                    table = {**table, "code": code}
                products[code] = table
            data = {**data, "products": products}
        return data

    @field_validator("products")
    @classmethod
    def _codes_are_identifiers(cls, products: dict[str, Any]) -> dict[str, Any]:
        if not products:
            raise ValueError("must list at least one product")
        for code in products:
            if not code.isidentifier() or not code.islower():
                raise ValueError(f"product code {code!r} must be lowercase letters, digits, _")
        return products

    def product(self, code: str) -> ReportProduct | SubscriptionPlan:
        try:
            return self.products[code]
        except KeyError:
            raise UnknownProduct(code, list(self.products)) from None

    def plan(self, code: str) -> SubscriptionPlan:
        product = self.product(code)
        if not isinstance(product, SubscriptionPlan):
            raise UnknownProduct(code, [p.code for p in self.plans()])
        return product

    def plans(self) -> list[SubscriptionPlan]:
        return [p for p in self.products.values() if isinstance(p, SubscriptionPlan)]


def parse_catalog(data: Mapping[str, Any], *, source: str = "catalog.toml") -> Catalog:
    try:
        return Catalog.model_validate(data)
    except ValidationError as exc:
        raise CatalogConfigError(_describe(exc, source)) from None


def load_catalog(path: str | Path) -> Catalog:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogConfigError(f"{path}: catalog file not found") from None
    except IsADirectoryError:
        raise CatalogConfigError(f"{path}: is a directory, not a catalog file") from None
    except PermissionError:
        raise CatalogConfigError(f"{path}: cannot be read (permission denied)") from None
    except UnicodeDecodeError as exc:
        raise CatalogConfigError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise CatalogConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_catalog(data, source=str(path))


def _describe(exc: ValidationError, source: str) -> str:
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        # A discriminated union puts the product kind into the path
        # (products.wallet_report.report.price_usd); the file has no such key.
        if len(loc) > 2 and loc[0] == "products" and loc[2] in _PRODUCT_KINDS:
            del loc[2]
        key = ".".join(str(part) for part in loc) or "<top level>"
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{key}: {message}")
    return f"{source}: " + "; ".join(problems)
