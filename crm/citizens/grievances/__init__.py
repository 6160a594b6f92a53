"""Grievances: filed from the portal, by SMS keyword or by an operator on a call; routed to the officer of the
facility or section with a resolution deadline per category; overdue ones flagged to supervisors; every status
change texted to the citizen."""
