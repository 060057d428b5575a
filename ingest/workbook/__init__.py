"""Reading one workbook: byte checks, the confidentiality guard, sheets, normalisers, models, reports and the award register."""
