"""The placements screens: the family register (`families`) and a child's placements, matching,
ending one, the adopters' assessment and temporary care from a safety case (`children`). Thin:
parse, call a selector or service, render."""
