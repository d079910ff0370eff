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


def _goal_chart(pdf: FPDF, report: Report, lang: str, width: float) -> None:
    """Bars of each core goal's mean (1 to 5) at the first and the last survey; a suppressed figure
    draws no bar (its row says so)."""
    shown = [g for g in report.goals if g.first.value is not None or g.last.value is not None]
    if not shown:
        return
    label_w, bar_h, scale = 70.0, 4.0, (width - 70.0 - 12.0) / 5.0
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 8)
    for goal in shown:
        top = pdf.get_y()
        pdf.set_xy(pdf.l_margin, top)
        pdf.cell(label_w, bar_h * 2, _safe(texts.label(goal.goal, lang)))
        for row, (figure, shade) in enumerate(((goal.first, 190), (goal.last, 70))):
            if figure.value is None:
                continue
            pdf.set_fill_color(shade, shade, shade)
            pdf.rect(pdf.l_margin + label_w, top + row * bar_h, figure.value * scale, bar_h - 0.6, style="F")
        pdf.set_y(top + bar_h * 2 + 1.5)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(
        width,
        4,
        _safe(texts.label("chart_legend", lang)),
        new_x="LMARGIN",
        new_y="NEXT",
    )


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
            f"{texts.pair(texts.label('program_year', lang), report.program_year, lang)} · "
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
            pdf.multi_cell(width, 5.5, _safe(texts.pair(measure, value, lang)), new_x="LMARGIN", new_y="NEXT")
        if heading == texts.label("goals", lang):
            _goal_chart(pdf, report, lang, width)
    pdf.ln(4)
    pdf.set_font("Helvetica", "I", 9)
    pdf.multi_cell(
        width, 5, _safe(texts.label("min_group", lang, n=report.min_group)), new_x="LMARGIN", new_y="NEXT"
    )
    return bytes(pdf.output())
