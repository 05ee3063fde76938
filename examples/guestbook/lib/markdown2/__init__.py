"""A tiny vendored markdown helper (pure Python)."""


def render(text):
    return u"<p>%s</p>" % text.replace(u"\n\n", u"</p><p>")
