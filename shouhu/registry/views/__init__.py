"""The registry's pages: children (the list, a child, registration and changes, documents),
rosters in and out (`rosters`), and the review of potential duplicates (`duplicates`)."""
