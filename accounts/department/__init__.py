"""The department console's pages on people: sharing flags, blocked cabinets, guardians to check,
staff accounts and the audit log; and the console's one door (access.department_page)."""
