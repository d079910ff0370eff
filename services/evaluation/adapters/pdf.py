"""The report as a PDF (fpdf2, its built-in Helvetica: no system fonts), from the same sections the
CSV prints, so the two never disagree."""

from __future__ import annotations

from fpdf import FPDF

from services.evaluation.domain import texts
from services.evaluation.domain.report import Report, sections, title

# Helvetica covers Latin-1: French needs nothing beyond it but a few typographic characters.
_LATIN1 = str.maketrans({"\u202f": "\u00a0", "\u2019": "'", "\u2212": "-", "\u2014": "-", "\u00b7": "\u00b7"})


def _safe(text: str) -> str:
    return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


def render_pdf(report: Report, lang: str) -> bytes:
    pdf = FPDF(format="Letter")
    pdf.set_title(_safe(title(report, lang)))
    pdf.set_lang("fr-CA" if lang == "fr" else "en-CA")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(width, 8, _safe(title(report, lang)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        width,
        6,
        _safe(
            f"{texts.label('program_year', lang)}: {report.program_year} · "
            f"{texts.label('generated', lang)} {texts.day(report.prepared_on, lang)}"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for heading, rows in sections(report, lang):
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(width, 7, _safe(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        for measure, value in rows:
            pdf.multi_cell(width, 5.5, _safe(f"{measure}: {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "I", 9)
    pdf.multi_cell(
        width, 5, _safe(texts.label("min_group", lang, n=report.min_group)), new_x="LMARGIN", new_y="NEXT"
    )
    return bytes(pdf.output())
