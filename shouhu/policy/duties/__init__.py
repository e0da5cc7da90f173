"""The duty map (职责分工) of the measures the table gives to several units 按职责分别指导落实:
which unit handles a child's referral, by the category that made the child eligible. Reads in
`selectors`, the one write in `services`, the administrator's pages in `views`
(docs/casework-routing.md)."""
