"""Help Desk panels."""
