"""The canonical tables and the CSV contract that maps any PSA export onto them."""
