"""The casework screens, one module per concern: `intake` (the window), `referrals` (the units'
inbox and one referral), `administration` (county supervision, routing, calendar and deadlines),
`timeline` (the child's timeline). `casework/urls.py` maps them."""
