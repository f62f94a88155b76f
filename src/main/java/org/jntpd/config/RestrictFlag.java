package org.jntpd.config;

/** The ntp.conf {@code restrict} vocabulary. */
public enum RestrictFlag {
    /** Drop every packet, time service and queries alike. */
    IGNORE,
    /** Deny mode 6 queries. */
    NOQUERY,
    /** Deny mode 6 writes (run-time configuration). */
    NOMODIFY,
    /** Deny time service (modes 1-5), queries still allowed. */
    NOSERVE,
    /** Apply the rate limit. */
    LIMITED,
    /** Send a kiss-o'-death instead of silence when denying or rate limiting. */
    KOD,
    /** Deny packets that would mobilise an association (symmetric active from unknown peers). */
    NOPEER,
    /** Deny mode 6 MRU-list requests. */
    NOMRULIST,
    /** Deny service to packets that are not authenticated. */
    NOTRUST,
    /** Deny packets of another NTP version than ours. */
    VERSION,
    /** Match modifier: the rule applies only to packets from source port 123. */
    NTPPORT,
    /** NTPsec's testing aid: drop one packet in ten. Accepted, never honoured (named as such). */
    FLAKE,
    /** Legacy ntpd flags kept for compatibility: accepted and treated as no-ops. */
    NOTRAP,
    LOWPRIORITY,
    NOEPEER,
    MSSNTP;
}
