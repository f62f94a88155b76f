package org.jntpd.server;

import org.jntpd.auth.MacEngine;
import org.jntpd.nts.NtsServerCodec;

/**
 * Why an authenticated request was not answered with an authenticated reply (counted per reason by
 * {@link ServerCounters#authFailure}): the NTS codec's reasons (a DROP, or a NAK for the cookie and authenticator
 * ones), the MAC engine's, and the serving side's own.
 */
public enum AuthFailure {
    NTS_MALFORMED, NTS_MODE, NTS_MISSING_FIELD, NTS_DUPLICATE_FIELD, NTS_AUTH_NOT_LAST, NTS_PLACEHOLDER_LENGTH,
    NTS_TOO_LONG, NTS_COOKIE_UNKNOWN_KEY, NTS_COOKIE_NOT_AUTHENTIC, NTS_NOT_AUTHENTIC,
    MAC_CRYPTO_NAK, MAC_UNKNOWN_KEY, MAC_UNTRUSTED_KEY, MAC_BAD_DIGEST_LENGTH, MAC_BAD, MAC_MALFORMED, MAC_TOO_LONG,
    /** A request with a MAC while no key file is configured. */
    MAC_NO_KEYS,
    /** The reply could not be sealed or signed (no room): never seen with a well-formed request. */
    SEAL_FAILED;

    private static final AuthFailure[] BY_NTS_REASON = new AuthFailure[NtsServerCodec.REASONS];
    private static final AuthFailure[] BY_MAC_RESULT = new AuthFailure[MacEngine.TOO_LONG + 1];

    static {
        BY_NTS_REASON[NtsServerCodec.REASON_MALFORMED] = NTS_MALFORMED;
        BY_NTS_REASON[NtsServerCodec.REASON_MODE] = NTS_MODE;
        BY_NTS_REASON[NtsServerCodec.REASON_MISSING_FIELD] = NTS_MISSING_FIELD;
        BY_NTS_REASON[NtsServerCodec.REASON_DUPLICATE_FIELD] = NTS_DUPLICATE_FIELD;
        BY_NTS_REASON[NtsServerCodec.REASON_AUTH_NOT_LAST] = NTS_AUTH_NOT_LAST;
        BY_NTS_REASON[NtsServerCodec.REASON_PLACEHOLDER_LENGTH] = NTS_PLACEHOLDER_LENGTH;
        BY_NTS_REASON[NtsServerCodec.REASON_TOO_LONG] = NTS_TOO_LONG;
        BY_NTS_REASON[NtsServerCodec.REASON_COOKIE_UNKNOWN_KEY] = NTS_COOKIE_UNKNOWN_KEY;
        BY_NTS_REASON[NtsServerCodec.REASON_COOKIE_NOT_AUTHENTIC] = NTS_COOKIE_NOT_AUTHENTIC;
        BY_NTS_REASON[NtsServerCodec.REASON_NOT_AUTHENTIC] = NTS_NOT_AUTHENTIC;
        BY_MAC_RESULT[MacEngine.CRYPTO_NAK] = MAC_CRYPTO_NAK;
        BY_MAC_RESULT[MacEngine.UNKNOWN_KEY] = MAC_UNKNOWN_KEY;
        BY_MAC_RESULT[MacEngine.UNTRUSTED_KEY] = MAC_UNTRUSTED_KEY;
        BY_MAC_RESULT[MacEngine.BAD_DIGEST_LENGTH] = MAC_BAD_DIGEST_LENGTH;
        BY_MAC_RESULT[MacEngine.BAD_MAC] = MAC_BAD;
        BY_MAC_RESULT[MacEngine.MALFORMED] = MAC_MALFORMED;
        BY_MAC_RESULT[MacEngine.TOO_LONG] = MAC_TOO_LONG;
    }

    /** The failure for an NTS codec reason ({@code NtsServerCodec.REASON_*}). */
    static AuthFailure ofNtsReason(int reason) {
        AuthFailure f = reason > 0 && reason < BY_NTS_REASON.length ? BY_NTS_REASON[reason] : null;
        return f != null ? f : NTS_MALFORMED;
    }

    /** The failure for a MAC verify result other than OK and NO_MAC. */
    static AuthFailure ofMacResult(int result) {
        AuthFailure f = result > 0 && result < BY_MAC_RESULT.length ? BY_MAC_RESULT[result] : null;
        return f != null ? f : MAC_MALFORMED;
    }
}
