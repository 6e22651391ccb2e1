"""The 요약 sheet written with openpyxl from its plan (:func:`chalicelib.export.summary.plan`): rows of one
height, printed landscape on A4 with a page break before any table or chart a page would cut, every text an
explicit string cell, and a native bar chart where the plan places one."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from chalicelib.domain.model import Survey
from chalicelib.export.cells import clean_text, is_formula_like
from chalicelib.export.summary import (
    CHART_COLOR,
    EDGE_MARGIN_IN,
    HEAD,
    NUMBER_FORMATS,
    ROW_PT,
    SECTION,
    SIDE_MARGIN_IN,
    TITLE,
    TITLE_PT,
    Chart,
    Styled,
    Summary,
    plan,
)


def write_summary(wb: Any, title: str, survey: Survey, summary: Summary, missing: Sequence[Sequence[str]] = ()) -> None:
    """Add the 요약 sheet (named ``title``) to the write-only workbook ``wb`` (``missing``: the 미응답 sheet's rows)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.dimensions import SheetFormatProperties
    from openpyxl.worksheet.page import PageMargins
    from openpyxl.worksheet.pagebreak import Break
    from openpyxl.worksheet.properties import PageSetupProperties
    from openpyxl.worksheet.worksheet import Worksheet

    p = plan(survey, summary, missing)
    ws = wb.create_sheet(title)
    # Write-only sheets take widths and page settings only before the first row.
    widths = p.widths()
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    # Rows of one height in every program (LibreOffice would size them by the font): the layout counts on it.
    ws.sheet_format = SheetFormatProperties(defaultRowHeight=ROW_PT, customHeight=True)
    for i in range(1, len(p.rows) + 1):
        ws.row_dimensions[i].height = TITLE_PT if i == 1 else ROW_PT  # written with each row as it is appended
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = PageMargins(
        left=SIDE_MARGIN_IN, right=SIDE_MARGIN_IN, top=EDGE_MARGIN_IN, bottom=EDGE_MARGIN_IN, header=0.3, footer=0.3
    )
    for last in p.page_breaks(widths):
        ws.row_breaks.append(Break(id=last))

    fonts = {TITLE: Font(bold=True, size=14), SECTION: Font(bold=True, size=12), HEAD: Font(bold=True)}
    head_fill = PatternFill("solid", fgColor="DDEBF7")

    def cell(v: Any) -> Any:
        style = v.style if isinstance(v, Styled) else ""
        value = v.value if isinstance(v, Styled) else v
        if value is None:
            return None
        c = WriteOnlyCell(ws)
        if style in NUMBER_FORMATS:
            c.number_format = NUMBER_FORMATS[style]  # before the value, which then keeps it
        if isinstance(value, str):
            text = clean_text(value)
            c.value = text
            c.data_type = "s"  # an explicit string: never a formula, whatever it starts with
            c.quotePrefix = is_formula_like(text)
        else:
            c.value = value
        if style in fonts:
            c.font = fonts[style]
        if style == HEAD:
            c.fill = head_fill
        return c

    for row in p.rows:
        ws.append([cell(v) for v in row])
    for chart in p.charts:
        ws.add_chart(_bar_chart(ws, chart), f"{get_column_letter(chart.column)}{chart.row}")


def _bar_chart(ws: Any, spec: Chart) -> Any:
    """Horizontal bars, the first option on top, the counts written at the bars."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.label import DataLabelList
    from openpyxl.chart.text import RichText, Text
    from openpyxl.chart.title import Title
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun

    chart = BarChart()
    chart.type = "bar"
    heading = CharacterProperties(sz=1200, b=True)
    line = Paragraph(pPr=ParagraphProperties(defRPr=heading), r=[RegularTextRun(rPr=heading, t=spec.title)])
    chart.title = Title(tx=Text(rich=RichText(p=[line])), overlay=False)
    chart.legend = None
    chart.width = spec.width_cm
    chart.height = spec.height_cm
    chart.gapWidth = 60
    chart.add_data(Reference(ws, min_col=2, min_row=spec.head, max_row=spec.last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=spec.head + 1, max_row=spec.last))
    series = chart.series[0]
    series.graphicalProperties.solidFill = CHART_COLOR
    series.graphicalProperties.line.solidFill = CHART_COLOR
    chart.dataLabels = DataLabelList(
        showVal=True, showCatName=False, showSerName=False, showLegendKey=False, showPercent=False
    )
    chart.x_axis.scaling.orientation = "maxMin"  # categories top down, in the table's order
    chart.x_axis.delete = False
    chart.x_axis.tickLblSkip = 1  # every option named, none skipped
    chart.y_axis.delete = False
    chart.y_axis.crosses = "max"  # with the categories reversed, keeps the count axis at the bottom
    chart.y_axis.scaling.min = 0
    chart.y_axis.majorUnit = max(1, math.ceil(spec.top_value / 5))  # whole people
    chart.y_axis.number_format = "0"
    return chart
