"""What each function ships, from the `sam build` output (`make bench` builds first): its own
package plus the shared layer, unzipped, without boto3 (the runtime provides it). PDF libraries
(fpdf2 and what it pulls in) and aiohttp must only be in functions that render PDFs; that is
judged. The sizes themselves are information, with no target: the Stripe SDK and fpdf2's
dependencies (fontTools, Pillow) are what they are, and each ships only where it is used."""

from __future__ import annotations

from pathlib import Path

from bench.core import ROOT, BenchContext, BenchRow
from local.cfn import load_template, resources_of_type

BUILD = ROOT / ".aws-sam" / "build"
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
RENDERS_PDFS = {"InvoiceRendererFunction", "InvoiceDownloadFunction"}
HEAVY = ("fpdf", "aiohttp")


def _size(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        relative = path.relative_to(folder).parts
        top = relative[1] if relative[0] == "python" and len(relative) > 1 else relative[0]
        if path.is_file() and not top.startswith(RUNTIME_PROVIDED):
            total += path.stat().st_size
    return total


def _ships(folder: Path, package: str) -> bool:
    return (folder / package).is_dir()


def measure(ctx: BenchContext) -> list[BenchRow]:  # noqa: ARG001 - same signature as every row module
    if not (BUILD / "SharedLayer").is_dir():
        return [BenchRow("function sizes (run `make build` first)", 0, " MB", None, "no build")]
    layer = _size(BUILD / "SharedLayer")
    rows = []
    misplaced = []
    for logical_id in sorted(resources_of_type(load_template(), "AWS::Serverless::Function")):
        folder = BUILD / logical_id
        own = _size(folder)
        rows.append(
            BenchRow(
                f"size {logical_id} + layer (unzipped, without boto3)",
                (own + layer) / 1_000_000,
                " MB",
                None,
                f"function {own / 1_000_000:.1f} MB, layer {layer / 1_000_000:.1f} MB",
            )
        )
        if logical_id not in RENDERS_PDFS:
            misplaced += [f"{logical_id}:{pkg}" for pkg in HEAVY if _ships(folder, pkg)]
    rows.append(
        BenchRow(
            "functions shipping fpdf2/aiohttp without rendering PDFs",
            len(misplaced),
            "",
            0,
            ", ".join(misplaced) or "none",
        )
    )
    return rows
