"""Writes contacts-merged-header.xlsx, the test file of an XLSX whose header has merged
cells: a title row merged across the columns above the header, and a "Phone" header cell
merged over two columns (mobile and office numbers). Run from this folder:

    ../../../.venv/bin/python make_merged_header_xlsx.py
"""

from openpyxl import Workbook

workbook = Workbook()
sheet = workbook.active
sheet.title = "Contacts"
sheet["A1"] = "Mission network: culture section, 2025"
sheet.merge_cells("A1:G1")
sheet.append([])
sheet.append(["Full name", "Organization", "Role", "E-mail", "Phone", None, "Category"])
sheet.merge_cells("E3:F3")
sheet.append(
    [
        "Yael Cohen",
        "Tel Aviv Museum of Art",
        "Curator",
        "yael.cohen@museum.example.org",
        "+972 3 555 0101",
        "+972 50 555 0102",
        "Cultural figure",
    ]
)
sheet.append(
    [
        "David Levi",
        "Haaretz",
        "Editor",
        "d.levi@haaretz.example.com",
        "+972 52 555 0103",
        None,
        "journalist",
    ]
)
sheet.append(
    [
        "Noa Mizrahi",
        "Tel Aviv Museum of Art",
        None,
        "noa.mizrahi@museum.example.org",
        972545550104,
        None,
        "Cultural figure",
    ]
)
workbook.save("contacts-merged-header.xlsx")
