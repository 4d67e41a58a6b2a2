"""The templates of one channel (`templates/<channel>/` in this package), rendered with
Jinja2: undefined values are errors (never an empty hole in a mail), HTML is escaped,
and every failure to render is the domain's CannotRender, with what went wrong.

What every template may use besides its facts: `links` (domain.links: the product's
pages), `product_name`, and the filters `when` (an ISO time as "26 Feb 2026, 12:00 UTC")
and `size` (bytes as "12.3 KB").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from ..domain import CannotRender, Channel, Links

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def when(value: str | datetime | None) -> str:
    if value is None:
        return "—"
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


def size(value: int | None) -> str:
    if value is None:
        return "—"
    amount = float(value)
    for unit in ("bytes", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{int(amount)} {unit}" if unit == "bytes" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{value} bytes"  # pragma: no cover - the loop always returns


class TemplateSet:
    def __init__(
        self,
        channel: Channel,
        *,
        links: Links,
        product_name: str,
        directory: Path = TEMPLATES_DIR,
        also_from: Channel | None = None,
        finalize: Callable[[Any], Any] | None = None,
    ) -> None:
        """`also_from`: another channel's directory, for the templates this one does
        not have of its own (Slack's staff alerts are the email's text parts, in
        Slack's layout); `finalize`: applied to every value a template prints (Slack's
        escaping)."""
        self.channel = channel
        directories = [directory / channel.value]
        if also_from is not None:
            directories.append(directory / also_from.value)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(directories),
            finalize=finalize,
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # The templates ship with the package: compiled once, never looked at again
            # (reloading checks each file's mtime on every render).
            auto_reload=False,
        )
        self.env.globals.update(links=links, product_name=product_name)
        self.env.filters.update(when=when, size=size)

    def names(self) -> list[str]:
        return sorted(self.env.list_templates(filter_func=lambda name: not name.startswith("_")))

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        try:
            return self.env.get_template(name).render(context)
        except CannotRender:
            raise
        except jinja2.TemplateNotFound:
            raise CannotRender(f"there is no {self.channel.value} template {name!r}") from None
        except Exception as error:  # noqa: BLE001 - any failure of a template is its own
            raise CannotRender(f"{name}: {type(error).__name__}: {error}") from None

    def render_block(self, name: str, block: str, context: Mapping[str, Any]) -> str:
        """One block of a template (the subject line of an email's text part)."""
        try:
            template = self.env.get_template(name)
            render = template.blocks[block]
            return "".join(render(template.new_context(dict(context))))
        except CannotRender:
            raise
        except jinja2.TemplateNotFound:
            raise CannotRender(f"there is no {self.channel.value} template {name!r}") from None
        except KeyError:
            raise CannotRender(f"{name} has no block {block!r}") from None
        except Exception as error:  # noqa: BLE001 - any failure of a template is its own
            raise CannotRender(f"{name}: {type(error).__name__}: {error}") from None
