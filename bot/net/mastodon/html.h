/*
 * html.h - a Mastodon status's content (HTML) as the plain text the log
 * keeps: paragraphs as a blank line, <br> as a line break, entities
 * decoded, a link as its URL (the href, not the shortened text Mastodon
 * shows), a hashtag or mention link as its text ("#ICMIchat", "@ann").
 * Tags other than these are dropped, their text kept. Pure; never fails
 * on malformed HTML (what cannot be read is kept as text). Linear in
 * the input, and only its first CH_MASTO_HTML_MAX bytes are read (a
 * server that does not keep to Mastodon's 500 characters still costs
 * bounded work per post).
 */
#ifndef CHATHOST_MASTO_HTML_H
#define CHATHOST_MASTO_HTML_H

#define CH_MASTO_HTML_MAX (256 * 1024)

/* The plain text of html (NULL: ""). Caller frees. */
char *ch_masto_text(const char *html);
/* The same, and the links it shares (each link's href, not a mention's
 * or a hashtag's) added to *links (net.h: ch_links_add). */
char *ch_masto_text_links(const char *html, char **links);

#endif
