"""Children's records in and out of the registry: the exchange format and the rosters built on it.

One concern a module; import from the module (`from shouhu.registry.exchange.format import
parse_record`), not from this package.

- `format`: the exchange format — `ChildRecord`, `parse_record` (the one validator, which the
  forms and the API use too) and `record_to_dict` (the canonical form).
- `layout`, `layout_reading`, `layout_writing`: the flat, Chinese-headed column layout of .xlsx
  and .csv rosters — its columns; cells to exchange-format objects; rows, workbooks and the
  template out.
- `xlsx_reader`: large sheets streamed through python-calamine a fragment at a time.
- `reading` → `validation` → `commit`: an import's two passes over a stored file — rows read
  whatever the format, validated and classified (the preview, nothing written), then written all
  or nothing. `sealed_records` keeps the preview's valid records for the commit.
- `error_workbook`: the upload with every error marked, for the user to fix.
- `runs`: `ImportRun`, the UI's and the background tasks' handle on an import.
- `exporting`: rosters out (JSON Lines or .xlsx), audited.
- `bulk`: registering many children set-wise (imports, the generator, screening tests).
"""
