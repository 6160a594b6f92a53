"""The supervisor's floor: KPIs defined once, the live board, the wallboard, monitoring, reports."""
