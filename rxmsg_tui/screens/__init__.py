"""One module per legacy screen, plus the menus that lead to them."""
