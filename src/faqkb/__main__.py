"""``python -m faqkb``: the command line."""

from faqkb.cli import main

if __name__ == "__main__":
    main()
