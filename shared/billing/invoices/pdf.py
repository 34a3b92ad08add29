"""Our branded invoice PDF (fpdf2). The only module that imports fpdf: it costs most of a second
to import, so request paths import this module lazily, and only when a render is needed.

The text font is Noto Sans from the `fontpkg-noto-sans` package (not a system path), embedded and
subset, so any agent name (Zoë Ångström-Łukasz) and any currency symbol (€, ¥, ₩, ₹) renders.
The package ships a variable font; instancing a bold weight takes seconds, so emphasis is drawn
as fill + stroke of the regular outlines instead."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import files
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextMode, XPos, YPos
from fpdf.fonts import FontFace

from shared.billing.invoices.listing import display_number
from shared.billing.money import format_money
from shared.data.tables.invoices import InvoiceModel

FONT_FAMILY = "NotoSans"
FONT_PACKAGE = "fontpkg_noto_sans"
FONT_FILE = "files/NotoSans[wdth,wght].ttf"

Color = tuple[int, int, int]
INK: Color = (33, 37, 41)
MUTED: Color = (108, 117, 125)
BRAND: Color = (22, 84, 150)
RULE: Color = (206, 212, 218)
HEADING_FILL: Color = (238, 242, 247)

# payment_status -> (mark, colour). API.md asks for PAID / PAYMENT FAILED / VOID at least.
STATUS_MARKS: dict[str, tuple[str, Color]] = {
    "paid": ("PAID", (25, 135, 84)),
    "failed": ("PAYMENT FAILED", (200, 35, 51)),
    "void": ("VOID", (108, 117, 125)),
    "uncollectible": ("UNCOLLECTIBLE", (200, 35, 51)),
    "action_required": ("ACTION REQUIRED", (214, 120, 0)),
    "pending": ("PAYMENT DUE", (214, 120, 0)),
}

EN_DASH = "\u2013"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Seller:
    name: str
    address: str


@dataclass(frozen=True)
class BillTo:
    """Who the invoice is for, as our account knows them: used where Stripe's invoice carries no
    customer name or email (older invoices, customers created without a name)."""

    name: str | None = None
    email: str | None = None


@cache
def font_path() -> Path:
    path = Path(str(files(FONT_PACKAGE).joinpath(FONT_FILE)))
    if not path.is_file():
        raise FileNotFoundError(f"font {FONT_FILE} missing from package {FONT_PACKAGE}")
    return path


def new_document() -> FPDF:
    """A Letter page with our font loaded: also the baseline the benchmark compares with."""
    pdf = FPDF(format="letter", unit="mm")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font(FONT_FAMILY, "", font_path())
    pdf.set_font(FONT_FAMILY, size=10)
    pdf.set_text_color(*INK)
    return pdf


def format_date(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return f"{MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def status_mark(payment_status: str) -> tuple[str, Color]:
    return STATUS_MARKS.get(payment_status, (payment_status.replace("_", " ").upper(), MUTED))


def amount_due_now(invoice: InvoiceModel) -> int:
    """What the agent still owes on this invoice: nothing once it is paid or void."""
    if invoice.payment_status in ("paid", "void"):
        return 0
    return int(invoice.amount_remaining)


@contextmanager
def emphasis(pdf: FPDF, color: Color = INK, weight: float = 0.22) -> Iterator[None]:
    pdf.set_text_color(*color)
    pdf.set_draw_color(*color)
    pdf.set_line_width(weight)
    pdf.text_mode = TextMode.FILL_STROKE
    try:
        yield
    finally:
        pdf.text_mode = TextMode.FILL
        pdf.set_text_color(*INK)


def render_invoice_pdf(
    invoice: InvoiceModel, seller: Seller, bill_to: BillTo | None = None
) -> bytes:
    pdf = new_document()
    title = f"Invoice {display_number(invoice)}"
    pdf.set_title(title)
    pdf.set_author(seller.name)
    pdf.set_creator("Account & Billing")
    pdf.add_page()
    _header(pdf, invoice, seller)
    _parties(pdf, invoice, bill_to or BillTo())
    _line_items(pdf, invoice)
    _totals(pdf, invoice)
    _notes(pdf, invoice, seller)
    return bytes(pdf.output())


def _header(pdf: FPDF, invoice: InvoiceModel, seller: Seller) -> None:
    top = pdf.get_y()
    with emphasis(pdf, BRAND, 0.3):
        pdf.set_font(size=17)
        pdf.multi_cell(110, 8, seller.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(size=9)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(95, 4.5, seller.address, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    left_bottom = pdf.get_y()

    right = pdf.w - pdf.r_margin
    pdf.set_xy(right - 70, top)
    with emphasis(pdf, INK, 0.3):
        pdf.set_font(size=22)
        pdf.cell(70, 10, "INVOICE", align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(size=10)
    pdf.set_text_color(*MUTED)
    pdf.cell(70, 5, display_number(invoice), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    _status_stamp(pdf, invoice.payment_status, right, pdf.get_y() + 3)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.3)
    pdf.line(pdf.l_margin, pdf.get_y(), right, pdf.get_y())
    pdf.ln(6)


def _status_stamp(pdf: FPDF, payment_status: str, right: float, top: float) -> None:
    label, color = status_mark(payment_status)
    pdf.set_font(size=13)
    width = pdf.get_string_width(label) + 10
    pdf.set_draw_color(*color)
    pdf.set_line_width(0.8)
    pdf.rect(right - width, top, width, 10, style="D", round_corners=True, corner_radius=2)
    pdf.set_xy(right - width, top)
    with emphasis(pdf, color, 0.3):
        pdf.cell(width, 10, label, align="C")
    pdf.set_xy(right - width, top + 10)
    pdf.set_font(size=10)


def _parties(pdf: FPDF, invoice: InvoiceModel, bill_to: BillTo) -> None:
    top = pdf.get_y()
    pdf.set_font(size=8)
    pdf.set_text_color(*MUTED)
    pdf.cell(80, 5, "BILL TO", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font(size=11)
    with emphasis(pdf):
        # Stripe's name for the customer when the invoice has one, else the account's.
        name = invoice.customer_name or bill_to.name or "—"
        pdf.multi_cell(85, 6, name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(size=10)
    email = invoice.customer_email or bill_to.email or ""
    pdf.multi_cell(85, 5, email, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()

    period = (
        f"{format_date(invoice.period_start)} {EN_DASH} {format_date(invoice.period_end)}"
        if invoice.period_start or invoice.period_end
        else "—"
    )
    facts = [
        ("Invoice number", display_number(invoice)),
        ("Issue date", format_date(invoice.created)),
        ("Due date", format_date(invoice.due_date or invoice.created)),
        ("Service period", period),
        ("Currency", invoice.currency.upper()),
    ]
    if invoice.paid_at is not None:
        facts.append(("Paid on", format_date(invoice.paid_at)))
    x = pdf.w - pdf.r_margin - 85
    pdf.set_y(top)
    for label, value in facts:
        pdf.set_x(x)
        pdf.set_text_color(*MUTED)
        pdf.cell(32, 5.5, label)
        pdf.set_text_color(*INK)
        pdf.cell(53, 5.5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)
    if invoice.description:
        pdf.set_font(size=10)
        pdf.multi_cell(0, 5, invoice.description, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)


def _line_items(pdf: FPDF, invoice: InvoiceModel) -> None:
    pdf.set_font(size=10)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    headings = FontFace(color=MUTED, fill_color=HEADING_FILL)
    with pdf.table(
        col_widths=(120, 20, 40),
        text_align=("LEFT", "RIGHT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        headings_style=headings,
        line_height=7,
        padding=(1.5, 2),
    ) as table:
        table.row(("Description", "Qty", "Amount"))
        for line in invoice.lines:
            quantity = int(line.quantity) if line.quantity is not None else 1
            table.row(
                (line.description, str(quantity), format_money(int(line.amount), invoice.currency))
            )
    pdf.ln(4)


def _totals(pdf: FPDF, invoice: InvoiceModel) -> None:
    currency = invoice.currency
    rows: list[tuple[str, str, bool]] = [
        ("Subtotal", format_money(int(invoice.subtotal), currency), False)
    ]
    if invoice.tax is not None:
        rows.append(("Tax", format_money(int(invoice.tax), currency), False))
    rows += [
        ("Total", format_money(int(invoice.total), currency), True),
        ("Amount paid", format_money(int(invoice.amount_paid), currency), False),
        ("Amount due", format_money(amount_due_now(invoice), currency), True),
    ]
    x = pdf.w - pdf.r_margin - 80
    pdf.set_font(size=10)
    for label, value, strong in rows:
        if label == "Amount paid":
            pdf.set_draw_color(*RULE)
            pdf.set_line_width(0.2)
            pdf.line(x, pdf.get_y() + 0.5, pdf.w - pdf.r_margin, pdf.get_y() + 0.5)
            pdf.ln(1.5)
        pdf.set_x(x)
        if strong:
            with emphasis(pdf):
                pdf.cell(40, 6.5, label)
                pdf.cell(40, 6.5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            pdf.set_text_color(*MUTED)
            pdf.cell(40, 6.5, label)
            pdf.set_text_color(*INK)
            pdf.cell(40, 6.5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)


def _notes(pdf: FPDF, invoice: InvoiceModel, seller: Seller) -> None:
    pdf.set_font(size=9)
    if invoice.payment_status == "failed" and invoice.failure_message:
        with emphasis(pdf, STATUS_MARKS["failed"][1], 0.1):
            pdf.multi_cell(
                0,
                5,
                f"Last payment attempt failed: {invoice.failure_message}",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        pdf.ln(2)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        0,
        4.5,
        f"Amounts in {invoice.currency.upper()}. Invoice {invoice.invoice_id}. "
        f"Thank you for your business with {seller.name.rstrip('.')}.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(*INK)
