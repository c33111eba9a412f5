package dev.cdccache.support.rest;

/** Optimistic concurrency: the expected version comes from {@code If-Match} or the body's {@code version}. */
public final class IfMatch {

    private IfMatch() {
    }

    /** The expected version, or null when the client sent neither; 400 when they disagree or are malformed. */
    public static Long expected(String ifMatch, Long bodyVersion) {
        Long header = null;
        if (ifMatch != null && !ifMatch.isBlank() && !"*".equals(ifMatch.trim())) {
            String v = ifMatch.trim();
            if (v.startsWith("W/")) {
                v = v.substring(2);
            }
            v = v.replace("\"", "");
            try {
                header = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw ProblemException.badRequest("If-Match must be a version such as \"3\"");
            }
        }
        if (header != null && bodyVersion != null && !header.equals(bodyVersion)) {
            throw ProblemException.badRequest("If-Match (" + header + ") and body version (" + bodyVersion + ") disagree");
        }
        return header != null ? header : bodyVersion;
    }

    public static long parseId(String raw, String what) {
        try {
            long id = Long.parseLong(raw);
            if (id <= 0) {
                throw ProblemException.badRequest(what + " must be a positive integer");
            }
            return id;
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest(what + " must be a positive integer");
        }
    }
}
