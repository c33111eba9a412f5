package dev.cdccache.support.rest;

import java.util.regex.Pattern;

/**
 * Strict parsing of what clients put in paths, query strings and {@code If-Match}: ASCII digits only (no sign, no
 * other scripts' digits, no whitespace), bounded lengths, strong entity tags only.
 */
public final class IfMatch {

    /** {@code "3"}, or an entity tag this service sent: {@code "3-1a2b3c4d"} (row version, body hash). */
    private static final Pattern STRONG_TAG = Pattern.compile("\"([0-9]{1,18})(?:-[0-9a-f]{8})?\"");

    private IfMatch() {}

    /**
     * The expected version, or null when the client sent neither; 400 when they disagree or are malformed. If-Match
     * is compared strongly (RFC 9110 §13.1.1): a weak validator ({@code W/"3"}) cannot satisfy it and is refused.
     */
    public static Long expected(String ifMatch, Long bodyVersion) {
        Long header = null;
        if (ifMatch != null && !"*".equals(ifMatch.trim())) {
            String v = ifMatch.trim();
            if (v.startsWith("W/")) {
                throw ProblemException.badRequest(
                        "If-Match needs a strong entity tag such as \"3\"; weak validators never match");
            }
            var m = STRONG_TAG.matcher(v);
            if (!m.matches()) {
                throw ProblemException.badRequest("If-Match must be one entity tag such as \"3\"");
            }
            header = Long.parseLong(m.group(1));
        }
        if (header != null && bodyVersion != null && !header.equals(bodyVersion)) {
            throw ProblemException.badRequest(
                    "If-Match (" + header + ") and body version (" + bodyVersion + ") disagree");
        }
        return header != null ? header : bodyVersion;
    }

    public static long parseId(String raw, String what) {
        long id = positiveId(raw);
        if (id <= 0) {
            throw ProblemException.badRequest(what + " must be a positive integer (ASCII digits)");
        }
        return id;
    }

    /**
     * The id {@code raw} names if it is 1–18 ASCII digits, else -1 (0 for zeros): {@link #parseId}'s rule without
     * an exception or a regular expression, for the L1 hit route, which leaves every refusal to the resource.
     */
    public static long positiveId(String raw) {
        if (raw == null || raw.isEmpty() || raw.length() > 18) {
            return -1;
        }
        long id = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            id = id * 10 + (c - '0');
        }
        return id;
    }

    /** An integer query parameter within [min, max]. */
    public static int intParam(String raw, String name, int min, int max) {
        if (raw == null || !raw.matches("[0-9]{1,9}")) {
            throw ProblemException.badRequest("'" + name + "' must be an integer between " + min + " and " + max);
        }
        int v = Integer.parseInt(raw);
        if (v < min || v > max) {
            throw ProblemException.badRequest("'" + name + "' must be between " + min + " and " + max);
        }
        return v;
    }
}
