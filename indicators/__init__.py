"""The strategy's measurements: signals (observations from outside the CRM), the
indicators over contacts, events and signals, network health, the dashboard, its charts and
exports. It reads every other app; none reads it."""
