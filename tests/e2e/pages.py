"""Browser pages for the real-browser tests."""

# Browsers in Vietnamese offices mostly announce English: the site must answer in Vietnamese.
LOCALE = "en-US"
VIEWPORT = {"width": 1280, "height": 800}


def new_page(browser):
    """A page in a window (a context) of its own; the browser closes it at the test's end.

    Its own window, not a tab: a background tab is throttled (its live updates come late).
    """
    return browser.new_context(locale=LOCALE, viewport=VIEWPORT).new_page()
