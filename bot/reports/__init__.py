"""Report computations shared by the API, the dashboard and Slack (one computation, many views)."""
