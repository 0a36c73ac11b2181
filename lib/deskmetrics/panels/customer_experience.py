"""Customer Experience panels."""
