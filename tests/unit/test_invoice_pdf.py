"""The branded PDF: what a person reads on it, that it is a valid PDF, and that it stays small."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime

from pypdf import PdfReader

from shared.billing.invoices.pdf import BillTo, Seller, font_path, render_invoice_pdf
from testing.invoice_factory import build_invoice

SELLER = Seller(name="Predictive Leads Inc.", address="100 Congress Ave, Austin, TX 78701, USA")
FIVE_LINES = [
    ("Territory 78701 - predictive seller leads", 1, 9900),
    ("Territory 78702 - predictive seller leads", 1, 9900),
    ("Territory 78703 - predictive seller leads", 2, 5000),
    ("Priority placement add-on", 1, 3000),
    ("Onboarding credit", 1, 2100),
]


def pdf_text(document: bytes) -> str:
    reader = PdfReader(io.BytesIO(document))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_paid_invoice_shows_number_lines_totals_and_paid_mark():
    invoice = build_invoice(
        "agent-pdf", number="A1B2-0003", payment_status="paid", lines=FIVE_LINES, tax=2000
    )

    text = pdf_text(render_invoice_pdf(invoice, SELLER))

    assert "A1B2-0003" in text
    assert "PAID" in text
    assert "PAYMENT FAILED" not in text
    for description, _, _ in FIVE_LINES:
        assert description in text
    assert "$99.00" in text
    assert "Subtotal" in text
    assert "$299.00" in text  # subtotal 29,900 minor units
    assert "Tax" in text
    assert "$20.00" in text
    assert "$319.00" in text  # total
    assert "Amount paid" in text
    assert "Amount due" in text
    assert "$0.00" in text
    assert "Predictive Leads Inc." in text
    assert "100 Congress Ave, Austin, TX 78701, USA" in text
    assert "agent-pdf@example.com" in text
    assert "Jan 5, 2026" in text  # issue date
    assert "Jan 20, 2026" in text  # due date
    assert "Feb 4, 2026" in text  # end of the service period
    assert "USD" in text


def test_failed_invoice_shows_payment_failed_and_the_bank_reason():
    invoice = build_invoice("agent-pdf", payment_status="failed", amount=29900)

    text = pdf_text(render_invoice_pdf(invoice, SELLER))

    assert "PAYMENT FAILED" in text
    assert "Your card was declined." in text
    assert text.count("$299.00") >= 3  # line, total, amount due


def test_void_invoice_is_marked_void_and_owes_nothing():
    invoice = build_invoice("agent-pdf", payment_status="void", amount=29900)

    text = pdf_text(render_invoice_pdf(invoice, SELLER))

    assert "VOID" in text
    assert "$0.00" in text  # amount due


def test_invoice_without_tax_has_no_tax_row():
    invoice = build_invoice("agent-pdf", tax=None)

    assert "Tax" not in pdf_text(render_invoice_pdf(invoice, SELLER))


def test_zero_decimal_currency_and_unicode_names_render():
    invoice = build_invoice(
        "agent-pdf",
        currency="jpy",
        amount=29900,
        payment_status="failed",
        customer_name="Zoë Ångström-Łukasz",
        lines=[("Лиды — территория 東京 (€ / ₩ / ₹)", 1, 29900)],
    )

    text = pdf_text(render_invoice_pdf(invoice, SELLER))

    assert "Zoë Ångström-Łukasz" in text
    assert "¥29,900" in text
    assert "¥299.00" not in text
    assert "JPY" in text


def test_font_ships_inside_a_python_package_not_a_system_path():
    path = font_path()
    assert path.is_file()
    assert "site-packages" in path.parts or "dist-packages" in path.parts


def test_five_line_invoice_stays_under_60_kb():
    invoice = build_invoice("agent-pdf", lines=FIVE_LINES, tax=2000)

    assert len(render_invoice_pdf(invoice, SELLER)) <= 60 * 1024


def test_long_descriptions_wrap_and_many_lines_flow_onto_more_pages():
    many = [(f"Lead package {n} " + "with a long description " * 4, 1, 1000) for n in range(60)]
    invoice = build_invoice("agent-pdf", lines=many, created=datetime(2026, 3, 1, tzinfo=UTC))

    reader = PdfReader(io.BytesIO(render_invoice_pdf(invoice, SELLER)))

    assert len(reader.pages) > 1
    assert "Lead package 59" in "".join(page.extract_text() for page in reader.pages)


def test_rendered_pdf_passes_qpdf_check(tmp_path):
    assert shutil.which("qpdf"), "qpdf is missing: run scripts/system-deps.sh"
    invoice = build_invoice(
        "agent-pdf", customer_name="Zoë Ångström-Łukasz", currency="jpy", lines=FIVE_LINES
    )
    path = tmp_path / "invoice.pdf"
    path.write_bytes(render_invoice_pdf(invoice, SELLER))

    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


def test_bill_to_uses_stripes_customer_name_when_the_invoice_has_one():
    invoice = build_invoice("agent-pdf", customer_name="Dana From Stripe")

    text = pdf_text(render_invoice_pdf(invoice, SELLER, BillTo(name="Dana Account")))

    assert "Dana From Stripe" in text
    assert "Dana Account" not in text


def test_bill_to_falls_back_to_the_accounts_name_and_email_never_a_dash():
    # Stripe's invoice carries neither (localstripe's never has a customer_name).
    invoice = build_invoice("agent-pdf", payment_status="action_required")
    invoice.customer_name = None
    invoice.customer_email = None

    text = pdf_text(
        render_invoice_pdf(invoice, SELLER, BillTo(name="Dana Demo", email="dana@example.com"))
    )

    bill_to = text.split("BILL TO", 1)[1]
    assert bill_to.lstrip().startswith("Dana Demo")
    assert "dana@example.com" in bill_to
    assert "—" not in bill_to.split("Invoice number", 1)[0]
    assert "ACTION REQUIRED" in text


def test_an_invoice_without_a_number_shows_the_same_fallback_everywhere():
    # The page shows `number || id`; the PDF's header, facts and title show the same.
    invoice = build_invoice("agent-pdf", invoice_id="in_1NoNumberYet0001")
    invoice.number = None

    document = render_invoice_pdf(invoice, SELLER)
    text = pdf_text(document)

    assert text.count("in_1NoNumberYet0001") >= 3  # header, "Invoice number", footer
    assert "Invoice number" in text
    assert "Invoice number —" not in text
    metadata = PdfReader(io.BytesIO(document)).metadata
    assert metadata is not None
    assert metadata.title == "Invoice in_1NoNumberYet0001"
