/*
 * ABI checker: prints "name value" lines for every struct size, field offset/size, constant and ioctl number that
 * org.jntpd.platform models, as the real kernel and libc headers define them. AbiTest compiles this with gcc and
 * compares each line with the Java side; a name missing on either side fails the test.
 *
 * Lines: "sizeof.STRUCT N", "offsetof.STRUCT.FIELD N", "sizeof.STRUCT.FIELD N", "CONSTANT N", "CMSG_LEN(n) N".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <termios.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <linux/pps.h>
#include <linux/ptp_clock.h>
#include <linux/rtc.h>
#include <linux/sockios.h>

/* A struct type T printed under NAME. */
#define SIZE(T, NAME) printf("sizeof.%s %zu\n", NAME, sizeof(T))
#define FIELD(T, NAME, F)                                                  \
    printf("offsetof.%s.%s %zu\n", NAME, #F, offsetof(T, F));            \
    printf("sizeof.%s.%s %zu\n", NAME, #F, sizeof(((T *)0)->F))
#define C(X) printf("%s %lld\n", #X, (long long)(X))
/* A member M of union bpf_attr printed as field F of the Java view NAME (each view is padded to the whole union). */
#define ATTR(NAME, F, M)                                                                   \
    printf("offsetof.%s.%s %zu\n", NAME, #F, offsetof(union bpf_attr, M));                \
    printf("sizeof.%s.%s %zu\n", NAME, #F, sizeof(((union bpf_attr *)0)->M))

/* Where the compiler puts struct bpf_insn's register bitfields: the byte holding dst_reg=1, src_reg=2 as 0x21. */
static int insn_regs_offset(void) {
    struct bpf_insn insn = {0};
    insn.dst_reg = 1;
    insn.src_reg = 2;
    for (size_t i = 0; i < sizeof insn; i++) {
        if (((unsigned char *)&insn)[i] == 0x21) return (int)i;
    }
    return -1;
}

int main(void) {
    SIZE(struct timespec, "timespec");
    FIELD(struct timespec, "timespec", tv_sec);
    FIELD(struct timespec, "timespec", tv_nsec);

    SIZE(struct timeval, "timeval");
    FIELD(struct timeval, "timeval", tv_sec);
    FIELD(struct timeval, "timeval", tv_usec);

    SIZE(struct timex, "timex");
    FIELD(struct timex, "timex", modes);
    FIELD(struct timex, "timex", offset);
    FIELD(struct timex, "timex", freq);
    FIELD(struct timex, "timex", maxerror);
    FIELD(struct timex, "timex", esterror);
    FIELD(struct timex, "timex", status);
    FIELD(struct timex, "timex", constant);
    FIELD(struct timex, "timex", precision);
    FIELD(struct timex, "timex", tolerance);
    FIELD(struct timex, "timex", time);
    FIELD(struct timex, "timex", tick);
    FIELD(struct timex, "timex", ppsfreq);
    FIELD(struct timex, "timex", jitter);
    FIELD(struct timex, "timex", shift);
    FIELD(struct timex, "timex", stabil);
    FIELD(struct timex, "timex", jitcnt);
    FIELD(struct timex, "timex", calcnt);
    FIELD(struct timex, "timex", errcnt);
    FIELD(struct timex, "timex", stbcnt);
    FIELD(struct timex, "timex", tai);

    SIZE(struct iovec, "iovec");
    FIELD(struct iovec, "iovec", iov_base);
    FIELD(struct iovec, "iovec", iov_len);

    SIZE(struct msghdr, "msghdr");
    FIELD(struct msghdr, "msghdr", msg_name);
    FIELD(struct msghdr, "msghdr", msg_namelen);
    FIELD(struct msghdr, "msghdr", msg_iov);
    FIELD(struct msghdr, "msghdr", msg_iovlen);
    FIELD(struct msghdr, "msghdr", msg_control);
    FIELD(struct msghdr, "msghdr", msg_controllen);
    FIELD(struct msghdr, "msghdr", msg_flags);

    SIZE(struct mmsghdr, "mmsghdr");
    FIELD(struct mmsghdr, "mmsghdr", msg_hdr);
    FIELD(struct mmsghdr, "mmsghdr", msg_len);

    SIZE(struct cmsghdr, "cmsghdr");
    FIELD(struct cmsghdr, "cmsghdr", cmsg_len);
    FIELD(struct cmsghdr, "cmsghdr", cmsg_level);
    FIELD(struct cmsghdr, "cmsghdr", cmsg_type);
    printf("CMSG_LEN(0) %zu\n", (size_t)CMSG_LEN(0));
    printf("CMSG_LEN(48) %zu\n", (size_t)CMSG_LEN(48));
    printf("CMSG_SPACE(16) %zu\n", (size_t)CMSG_SPACE(16));
    printf("CMSG_SPACE(20) %zu\n", (size_t)CMSG_SPACE(20));
    printf("CMSG_SPACE(48) %zu\n", (size_t)CMSG_SPACE(48));

    SIZE(struct sockaddr_in, "sockaddr_in");
    FIELD(struct sockaddr_in, "sockaddr_in", sin_family);
    FIELD(struct sockaddr_in, "sockaddr_in", sin_port);
    FIELD(struct sockaddr_in, "sockaddr_in", sin_addr);
    FIELD(struct sockaddr_in, "sockaddr_in", sin_zero);

    SIZE(struct sockaddr_in6, "sockaddr_in6");
    FIELD(struct sockaddr_in6, "sockaddr_in6", sin6_family);
    FIELD(struct sockaddr_in6, "sockaddr_in6", sin6_port);
    FIELD(struct sockaddr_in6, "sockaddr_in6", sin6_flowinfo);
    FIELD(struct sockaddr_in6, "sockaddr_in6", sin6_addr);
    FIELD(struct sockaddr_in6, "sockaddr_in6", sin6_scope_id);

    SIZE(struct scm_timestamping, "scm_timestamping");
    FIELD(struct scm_timestamping, "scm_timestamping", ts);

    SIZE(struct sock_extended_err, "sock_extended_err");
    FIELD(struct sock_extended_err, "sock_extended_err", ee_errno);
    FIELD(struct sock_extended_err, "sock_extended_err", ee_origin);
    FIELD(struct sock_extended_err, "sock_extended_err", ee_type);
    FIELD(struct sock_extended_err, "sock_extended_err", ee_code);
    FIELD(struct sock_extended_err, "sock_extended_err", ee_pad);
    FIELD(struct sock_extended_err, "sock_extended_err", ee_info);
    FIELD(struct sock_extended_err, "sock_extended_err", ee_data);

    SIZE(struct ip_mreq, "ip_mreq");
    FIELD(struct ip_mreq, "ip_mreq", imr_multiaddr);
    FIELD(struct ip_mreq, "ip_mreq", imr_interface);
    SIZE(struct ipv6_mreq, "ipv6_mreq");
    FIELD(struct ipv6_mreq, "ipv6_mreq", ipv6mr_multiaddr);
    FIELD(struct ipv6_mreq, "ipv6_mreq", ipv6mr_interface);
    SIZE(struct in_pktinfo, "in_pktinfo");
    FIELD(struct in_pktinfo, "in_pktinfo", ipi_ifindex);
    FIELD(struct in_pktinfo, "in_pktinfo", ipi_spec_dst);
    FIELD(struct in_pktinfo, "in_pktinfo", ipi_addr);

    SIZE(struct in6_pktinfo, "in6_pktinfo");
    FIELD(struct in6_pktinfo, "in6_pktinfo", ipi6_addr);
    FIELD(struct in6_pktinfo, "in6_pktinfo", ipi6_ifindex);

    SIZE(struct pollfd, "pollfd");
    FIELD(struct pollfd, "pollfd", fd);
    FIELD(struct pollfd, "pollfd", events);
    FIELD(struct pollfd, "pollfd", revents);
    

    SIZE(struct epoll_event, "epoll_event");
    FIELD(struct epoll_event, "epoll_event", events);
    FIELD(struct epoll_event, "epoll_event", data);

    SIZE(cpu_set_t, "cpu_set_t");
    FIELD(cpu_set_t, "cpu_set_t", __bits);

    SIZE(struct rtc_time, "rtc_time");
    FIELD(struct rtc_time, "rtc_time", tm_sec);
    FIELD(struct rtc_time, "rtc_time", tm_min);
    FIELD(struct rtc_time, "rtc_time", tm_hour);
    FIELD(struct rtc_time, "rtc_time", tm_mday);
    FIELD(struct rtc_time, "rtc_time", tm_mon);
    FIELD(struct rtc_time, "rtc_time", tm_year);
    FIELD(struct rtc_time, "rtc_time", tm_wday);
    FIELD(struct rtc_time, "rtc_time", tm_yday);
    FIELD(struct rtc_time, "rtc_time", tm_isdst);

    SIZE(struct pps_ktime, "pps_ktime");
    FIELD(struct pps_ktime, "pps_ktime", sec);
    FIELD(struct pps_ktime, "pps_ktime", nsec);
    FIELD(struct pps_ktime, "pps_ktime", flags);

    SIZE(struct pps_kinfo, "pps_kinfo");
    FIELD(struct pps_kinfo, "pps_kinfo", assert_sequence);
    FIELD(struct pps_kinfo, "pps_kinfo", clear_sequence);
    FIELD(struct pps_kinfo, "pps_kinfo", assert_tu);
    FIELD(struct pps_kinfo, "pps_kinfo", clear_tu);
    FIELD(struct pps_kinfo, "pps_kinfo", current_mode);

    SIZE(struct pps_kparams, "pps_kparams");
    FIELD(struct pps_kparams, "pps_kparams", api_version);
    FIELD(struct pps_kparams, "pps_kparams", mode);
    FIELD(struct pps_kparams, "pps_kparams", assert_off_tu);
    FIELD(struct pps_kparams, "pps_kparams", clear_off_tu);

    SIZE(struct pps_fdata, "pps_fdata");
    FIELD(struct pps_fdata, "pps_fdata", info);
    FIELD(struct pps_fdata, "pps_fdata", timeout);

    SIZE(struct pps_bind_args, "pps_bind_args");
    FIELD(struct pps_bind_args, "pps_bind_args", tsformat);
    FIELD(struct pps_bind_args, "pps_bind_args", edge);
    FIELD(struct pps_bind_args, "pps_bind_args", consumer);

    SIZE(struct ptp_clock_time, "ptp_clock_time");
    FIELD(struct ptp_clock_time, "ptp_clock_time", sec);
    FIELD(struct ptp_clock_time, "ptp_clock_time", nsec);
    FIELD(struct ptp_clock_time, "ptp_clock_time", reserved);

    SIZE(struct ptp_clock_caps, "ptp_clock_caps");
    FIELD(struct ptp_clock_caps, "ptp_clock_caps", max_adj);
    FIELD(struct ptp_clock_caps, "ptp_clock_caps", n_alarm);
    FIELD(struct ptp_clock_caps, "ptp_clock_caps", n_ext_ts);
    FIELD(struct ptp_clock_caps, "ptp_clock_caps", n_per_out);
    FIELD(struct ptp_clock_caps, "ptp_clock_caps", pps);
    FIELD(struct ptp_clock_caps, "ptp_clock_caps", n_pins);
    FIELD(struct ptp_clock_caps, "ptp_clock_caps", cross_timestamping);
    FIELD(struct ptp_clock_caps, "ptp_clock_caps", adjust_phase);
    FIELD(struct ptp_clock_caps, "ptp_clock_caps", rsv);

    SIZE(struct ptp_sys_offset, "ptp_sys_offset");
    FIELD(struct ptp_sys_offset, "ptp_sys_offset", n_samples);
    FIELD(struct ptp_sys_offset, "ptp_sys_offset", rsv);
    FIELD(struct ptp_sys_offset, "ptp_sys_offset", ts);

    SIZE(struct ptp_sys_offset_extended, "ptp_sys_offset_extended");
    FIELD(struct ptp_sys_offset_extended, "ptp_sys_offset_extended", n_samples);
    FIELD(struct ptp_sys_offset_extended, "ptp_sys_offset_extended", rsv);
    FIELD(struct ptp_sys_offset_extended, "ptp_sys_offset_extended", ts);

    SIZE(struct ptp_sys_offset_precise, "ptp_sys_offset_precise");
    FIELD(struct ptp_sys_offset_precise, "ptp_sys_offset_precise", device);
    FIELD(struct ptp_sys_offset_precise, "ptp_sys_offset_precise", sys_realtime);
    FIELD(struct ptp_sys_offset_precise, "ptp_sys_offset_precise", sys_monoraw);
    FIELD(struct ptp_sys_offset_precise, "ptp_sys_offset_precise", rsv);

    SIZE(struct __user_cap_header_struct, "__user_cap_header_struct");
    FIELD(struct __user_cap_header_struct, "__user_cap_header_struct", version);
    FIELD(struct __user_cap_header_struct, "__user_cap_header_struct", pid);

    SIZE(struct __user_cap_data_struct, "__user_cap_data_struct");
    FIELD(struct __user_cap_data_struct, "__user_cap_data_struct", effective);
    FIELD(struct __user_cap_data_struct, "__user_cap_data_struct", permitted);
    FIELD(struct __user_cap_data_struct, "__user_cap_data_struct", inheritable);

    SIZE(struct hwtstamp_config, "hwtstamp_config");
    FIELD(struct hwtstamp_config, "hwtstamp_config", flags);
    FIELD(struct hwtstamp_config, "hwtstamp_config", tx_type);
    FIELD(struct hwtstamp_config, "hwtstamp_config", rx_filter);

    SIZE(struct ifreq, "ifreq");
    FIELD(struct ifreq, "ifreq", ifr_name);
    FIELD(struct ifreq, "ifreq", ifr_data);

    SIZE(struct termios, "termios");
    FIELD(struct termios, "termios", c_iflag);
    FIELD(struct termios, "termios", c_oflag);
    FIELD(struct termios, "termios", c_cflag);
    FIELD(struct termios, "termios", c_lflag);
    FIELD(struct termios, "termios", c_line);
    FIELD(struct termios, "termios", c_cc);
    FIELD(struct termios, "termios", c_ispeed);
    FIELD(struct termios, "termios", c_ospeed);

    SIZE(struct sockaddr_un, "sockaddr_un");
    FIELD(struct sockaddr_un, "sockaddr_un", sun_family);
    FIELD(struct sockaddr_un, "sockaddr_un", sun_path);

    SIZE(union bpf_attr, "bpf_attr_map_create");
    ATTR("bpf_attr_map_create", map_type, map_type);
    ATTR("bpf_attr_map_create", key_size, key_size);
    ATTR("bpf_attr_map_create", value_size, value_size);
    ATTR("bpf_attr_map_create", max_entries, max_entries);
    ATTR("bpf_attr_map_create", map_flags, map_flags);
    ATTR("bpf_attr_map_create", inner_map_fd, inner_map_fd);
    ATTR("bpf_attr_map_create", numa_node, numa_node);
    ATTR("bpf_attr_map_create", map_name, map_name);

    SIZE(union bpf_attr, "bpf_attr_map_elem");
    ATTR("bpf_attr_map_elem", map_fd, map_fd);
    ATTR("bpf_attr_map_elem", key, key);
    ATTR("bpf_attr_map_elem", value, value);
    ATTR("bpf_attr_map_elem", flags, flags);

    SIZE(union bpf_attr, "bpf_attr_prog_load");
    ATTR("bpf_attr_prog_load", prog_type, prog_type);
    ATTR("bpf_attr_prog_load", insn_cnt, insn_cnt);
    ATTR("bpf_attr_prog_load", insns, insns);
    ATTR("bpf_attr_prog_load", license, license);
    ATTR("bpf_attr_prog_load", log_level, log_level);
    ATTR("bpf_attr_prog_load", log_size, log_size);
    ATTR("bpf_attr_prog_load", log_buf, log_buf);
    ATTR("bpf_attr_prog_load", kern_version, kern_version);
    ATTR("bpf_attr_prog_load", prog_flags, prog_flags);
    ATTR("bpf_attr_prog_load", prog_name, prog_name);
    ATTR("bpf_attr_prog_load", prog_ifindex, prog_ifindex);
    ATTR("bpf_attr_prog_load", expected_attach_type, expected_attach_type);

    SIZE(union bpf_attr, "bpf_attr_link_create");
    ATTR("bpf_attr_link_create", prog_fd, link_create.prog_fd);
    ATTR("bpf_attr_link_create", target_ifindex, link_create.target_ifindex);
    ATTR("bpf_attr_link_create", attach_type, link_create.attach_type);
    ATTR("bpf_attr_link_create", flags, link_create.flags);

    SIZE(union bpf_attr, "bpf_attr_obj_info");
    ATTR("bpf_attr_obj_info", bpf_fd, info.bpf_fd);
    ATTR("bpf_attr_obj_info", info_len, info.info_len);
    ATTR("bpf_attr_obj_info", info, info.info);
    if (offsetof(union bpf_attr, prog_id) != offsetof(union bpf_attr, info.bpf_fd)) printf("prog_id_not_at_bpf_fd 1\n");

    SIZE(struct bpf_prog_info, "bpf_prog_info");
    FIELD(struct bpf_prog_info, "bpf_prog_info", type);
    FIELD(struct bpf_prog_info, "bpf_prog_info", id);
    FIELD(struct bpf_prog_info, "bpf_prog_info", tag);
    FIELD(struct bpf_prog_info, "bpf_prog_info", name);
    FIELD(struct bpf_prog_info, "bpf_prog_info", ifindex);

    SIZE(struct bpf_insn, "bpf_insn");
    FIELD(struct bpf_insn, "bpf_insn", code);
    printf("offsetof.bpf_insn.dst_reg_src_reg %d\n", insn_regs_offset());
    printf("sizeof.bpf_insn.dst_reg_src_reg 1\n");
    FIELD(struct bpf_insn, "bpf_insn", off);
    FIELD(struct bpf_insn, "bpf_insn", imm);

    SIZE(struct xdp_md, "xdp_md");
    FIELD(struct xdp_md, "xdp_md", data);
    FIELD(struct xdp_md, "xdp_md", data_end);
    FIELD(struct xdp_md, "xdp_md", data_meta);
    FIELD(struct xdp_md, "xdp_md", ingress_ifindex);
    FIELD(struct xdp_md, "xdp_md", rx_queue_index);
    FIELD(struct xdp_md, "xdp_md", egress_ifindex);

    SIZE(struct sockaddr_xdp, "sockaddr_xdp");
    FIELD(struct sockaddr_xdp, "sockaddr_xdp", sxdp_family);
    FIELD(struct sockaddr_xdp, "sockaddr_xdp", sxdp_flags);
    FIELD(struct sockaddr_xdp, "sockaddr_xdp", sxdp_ifindex);
    FIELD(struct sockaddr_xdp, "sockaddr_xdp", sxdp_queue_id);
    FIELD(struct sockaddr_xdp, "sockaddr_xdp", sxdp_shared_umem_fd);

    SIZE(struct xdp_umem_reg, "xdp_umem_reg");
    FIELD(struct xdp_umem_reg, "xdp_umem_reg", addr);
    FIELD(struct xdp_umem_reg, "xdp_umem_reg", len);
    FIELD(struct xdp_umem_reg, "xdp_umem_reg", chunk_size);
    FIELD(struct xdp_umem_reg, "xdp_umem_reg", headroom);
    FIELD(struct xdp_umem_reg, "xdp_umem_reg", flags);

    SIZE(struct xdp_ring_offset, "xdp_ring_offset");
    FIELD(struct xdp_ring_offset, "xdp_ring_offset", producer);
    FIELD(struct xdp_ring_offset, "xdp_ring_offset", consumer);
    FIELD(struct xdp_ring_offset, "xdp_ring_offset", desc);
    FIELD(struct xdp_ring_offset, "xdp_ring_offset", flags);

    SIZE(struct xdp_mmap_offsets, "xdp_mmap_offsets");
    FIELD(struct xdp_mmap_offsets, "xdp_mmap_offsets", rx);
    FIELD(struct xdp_mmap_offsets, "xdp_mmap_offsets", tx);
    FIELD(struct xdp_mmap_offsets, "xdp_mmap_offsets", fr);
    FIELD(struct xdp_mmap_offsets, "xdp_mmap_offsets", cr);

    SIZE(struct xdp_desc, "xdp_desc");
    FIELD(struct xdp_desc, "xdp_desc", addr);
    FIELD(struct xdp_desc, "xdp_desc", len);
    FIELD(struct xdp_desc, "xdp_desc", options);

    SIZE(struct xdp_statistics, "xdp_statistics");
    FIELD(struct xdp_statistics, "xdp_statistics", rx_dropped);
    FIELD(struct xdp_statistics, "xdp_statistics", rx_invalid_descs);
    FIELD(struct xdp_statistics, "xdp_statistics", tx_invalid_descs);
    FIELD(struct xdp_statistics, "xdp_statistics", rx_ring_full);
    FIELD(struct xdp_statistics, "xdp_statistics", rx_fill_ring_empty_descs);
    FIELD(struct xdp_statistics, "xdp_statistics", tx_ring_empty_descs);

    SIZE(struct sockaddr_nl, "sockaddr_nl");
    FIELD(struct sockaddr_nl, "sockaddr_nl", nl_family);
    FIELD(struct sockaddr_nl, "sockaddr_nl", nl_pad);
    FIELD(struct sockaddr_nl, "sockaddr_nl", nl_pid);
    FIELD(struct sockaddr_nl, "sockaddr_nl", nl_groups);

    SIZE(struct nlmsghdr, "nlmsghdr");
    FIELD(struct nlmsghdr, "nlmsghdr", nlmsg_len);
    FIELD(struct nlmsghdr, "nlmsghdr", nlmsg_type);
    FIELD(struct nlmsghdr, "nlmsghdr", nlmsg_flags);
    FIELD(struct nlmsghdr, "nlmsghdr", nlmsg_seq);
    FIELD(struct nlmsghdr, "nlmsghdr", nlmsg_pid);

    SIZE(struct ifinfomsg, "ifinfomsg");
    FIELD(struct ifinfomsg, "ifinfomsg", ifi_family);
    FIELD(struct ifinfomsg, "ifinfomsg", __ifi_pad);
    FIELD(struct ifinfomsg, "ifinfomsg", ifi_type);
    FIELD(struct ifinfomsg, "ifinfomsg", ifi_index);
    FIELD(struct ifinfomsg, "ifinfomsg", ifi_flags);
    FIELD(struct ifinfomsg, "ifinfomsg", ifi_change);

    SIZE(struct nlattr, "nlattr");
    FIELD(struct nlattr, "nlattr", nla_len);
    FIELD(struct nlattr, "nlattr", nla_type);

    /* Bpf */
    C(__NR_bpf);
    C(BPF_MAP_CREATE); C(BPF_MAP_LOOKUP_ELEM); C(BPF_MAP_UPDATE_ELEM); C(BPF_MAP_DELETE_ELEM); C(BPF_PROG_LOAD);
    C(BPF_PROG_GET_FD_BY_ID); C(BPF_OBJ_GET_INFO_BY_FD); C(BPF_LINK_CREATE); C(BPF_LINK_DETACH);
    C(BPF_MAP_TYPE_HASH); C(BPF_MAP_TYPE_ARRAY); C(BPF_MAP_TYPE_PERCPU_ARRAY); C(BPF_MAP_TYPE_LRU_HASH);
    C(BPF_MAP_TYPE_XSKMAP); C(BPF_PROG_TYPE_XDP); C(BPF_XDP); C(BPF_ANY); C(BPF_NOEXIST); C(BPF_EXIST);
    C(BPF_OBJ_NAME_LEN); C(BPF_F_MMAPABLE); C(BPF_PSEUDO_MAP_FD);
    C(BPF_LD); C(BPF_LDX); C(BPF_ST); C(BPF_STX); C(BPF_ALU); C(BPF_JMP); C(BPF_JMP32); C(BPF_ALU64);
    C(BPF_W); C(BPF_H); C(BPF_B); C(BPF_DW); C(BPF_IMM); C(BPF_MEM); C(BPF_ATOMIC); C(BPF_K); C(BPF_X);
    C(BPF_ADD); C(BPF_SUB); C(BPF_MUL); C(BPF_DIV); C(BPF_OR); C(BPF_AND); C(BPF_LSH); C(BPF_RSH); C(BPF_NEG);
    C(BPF_MOD); C(BPF_XOR); C(BPF_MOV); C(BPF_ARSH); C(BPF_END); C(BPF_TO_LE); C(BPF_TO_BE);
    C(BPF_JA); C(BPF_JEQ); C(BPF_JGT); C(BPF_JGE); C(BPF_JSET); C(BPF_JNE); C(BPF_JSGT); C(BPF_JSGE);
    C(BPF_CALL); C(BPF_EXIT); C(BPF_JLT); C(BPF_JLE); C(BPF_JSLT); C(BPF_JSLE);
    C(BPF_FUNC_map_lookup_elem); C(BPF_FUNC_map_update_elem); C(BPF_FUNC_ktime_get_ns); C(BPF_FUNC_xdp_adjust_head); C(BPF_FUNC_redirect_map); C(BPF_FUNC_xdp_adjust_meta);
    C(BPF_FUNC_ktime_get_boot_ns); C(BPF_FUNC_ktime_get_tai_ns);
    C(XDP_ABORTED); C(XDP_DROP); C(XDP_PASS); C(XDP_TX); C(XDP_REDIRECT);
    C(XDP_FLAGS_UPDATE_IF_NOEXIST); C(XDP_FLAGS_SKB_MODE); C(XDP_FLAGS_DRV_MODE); C(XDP_FLAGS_HW_MODE);
    C(XDP_FLAGS_REPLACE);

    /* Xdp */
    C(AF_XDP); C(SOCK_RAW); C(SOL_XDP);
    C(XDP_MMAP_OFFSETS); C(XDP_RX_RING); C(XDP_TX_RING); C(XDP_UMEM_REG); C(XDP_UMEM_FILL_RING);
    C(XDP_UMEM_COMPLETION_RING); C(XDP_STATISTICS); C(XDP_OPTIONS); C(XDP_OPTIONS_ZEROCOPY);
    C(XDP_SHARED_UMEM); C(XDP_COPY); C(XDP_ZEROCOPY); C(XDP_USE_NEED_WAKEUP); C(XDP_RING_NEED_WAKEUP);
    C(XDP_PACKET_HEADROOM);
    C(XDP_PGOFF_RX_RING); C(XDP_PGOFF_TX_RING); C(XDP_UMEM_PGOFF_FILL_RING); C(XDP_UMEM_PGOFF_COMPLETION_RING);
    C(PROT_READ); C(PROT_WRITE); C(MAP_SHARED); C(MAP_PRIVATE); C(MAP_ANONYMOUS); C(MAP_POPULATE);

    /* Netlink */
    C(AF_NETLINK); C(NETLINK_ROUTE); C(RTM_NEWLINK); C(RTM_GETLINK); C(RTM_SETLINK);
    C(NLM_F_REQUEST); C(NLM_F_ACK); C(NLMSG_ERROR); C(NLMSG_DONE); C(NLA_F_NESTED);
    C(IFLA_XDP); C(IFLA_XDP_FD); C(IFLA_XDP_ATTACHED); C(IFLA_XDP_FLAGS); C(IFLA_XDP_PROG_ID);
    C(IFLA_XDP_DRV_PROG_ID); C(IFLA_XDP_SKB_PROG_ID); C(IFLA_XDP_EXPECTED_FD);
    C(XDP_ATTACHED_NONE); C(XDP_ATTACHED_DRV); C(XDP_ATTACHED_SKB); C(XDP_ATTACHED_HW); C(XDP_ATTACHED_MULTI);

    /* Errno */
    C(EPERM); C(ENOENT); C(EINTR); C(EIO); C(EBADF); C(EAGAIN); C(EWOULDBLOCK); C(ENOMEM); C(EACCES); C(EFAULT);
    C(EBUSY); C(EEXIST); C(ENOSPC); C(ENODEV); C(EINVAL); C(ENOTTY); C(ENOMSG); C(ENOTSOCK); C(EMSGSIZE); C(ENOPROTOOPT);
    C(EOPNOTSUPP); C(EAFNOSUPPORT); C(EADDRINUSE); C(EADDRNOTAVAIL); C(ENETUNREACH); C(ENOBUFS); C(ETIMEDOUT);
    C(ECONNREFUSED); C(EHOSTUNREACH);

    /* Net */
    C(AF_UNSPEC); C(AF_UNIX); C(AF_INET); C(AF_INET6);
    C(SOCK_DGRAM); C(SOCK_NONBLOCK); C(SOCK_CLOEXEC);
    C(IPPROTO_IP); C(IPPROTO_UDP); C(IPPROTO_IPV6);
    C(SOL_SOCKET); C(SOL_IP); C(SOL_IPV6);
    C(SO_REUSEADDR); C(SO_ERROR); C(SO_SNDBUF); C(SO_RCVBUF); C(SO_PRIORITY); C(SO_REUSEPORT);
    C(SO_TIMESTAMP); C(SCM_TIMESTAMP); C(SO_TIMESTAMPNS); C(SCM_TIMESTAMPNS); C(SO_TIMESTAMPING);
    C(SCM_TIMESTAMPING); C(SO_SELECT_ERR_QUEUE); C(SO_BUSY_POLL); C(SO_PREFER_BUSY_POLL); C(SO_BUSY_POLL_BUDGET);
    C(SO_BROADCAST); C(IP_MULTICAST_IF); C(IP_MULTICAST_TTL); C(IP_MULTICAST_LOOP); C(IP_ADD_MEMBERSHIP);
    C(IP_TOS); C(IP_PKTINFO); C(IP_RECVERR); C(IPV6_MULTICAST_IF); C(IPV6_MULTICAST_HOPS);
    C(IPV6_MULTICAST_LOOP); C(IPV6_JOIN_GROUP); C(IPV6_RECVERR); C(IPV6_V6ONLY); C(IPV6_RECVPKTINFO);
    C(IPV6_PKTINFO); C(IPV6_TCLASS);
    C(MSG_CTRUNC); C(MSG_TRUNC); C(MSG_DONTWAIT); C(MSG_ERRQUEUE); C(MSG_WAITFORONE);
    C(POLLIN); C(POLLPRI); C(POLLOUT); C(POLLERR); C(POLLHUP); C(POLLNVAL);
    C(EPOLLIN); C(EPOLLPRI); C(EPOLLOUT); C(EPOLLERR); C(EPOLLHUP); C(EPOLLET); C(EPOLL_CLOEXEC);
    C(EPOLL_CTL_ADD); C(EPOLL_CTL_DEL); C(EPOLL_CTL_MOD);
    C(FIONREAD); C(SIOCSHWTSTAMP); C(SIOCGHWTSTAMP); C(IFNAMSIZ);

    /* Timestamping */
    C(SOF_TIMESTAMPING_TX_HARDWARE); C(SOF_TIMESTAMPING_TX_SOFTWARE); C(SOF_TIMESTAMPING_RX_HARDWARE);
    C(SOF_TIMESTAMPING_RX_SOFTWARE); C(SOF_TIMESTAMPING_SOFTWARE); C(SOF_TIMESTAMPING_SYS_HARDWARE);
    C(SOF_TIMESTAMPING_RAW_HARDWARE); C(SOF_TIMESTAMPING_OPT_ID); C(SOF_TIMESTAMPING_TX_SCHED);
    C(SOF_TIMESTAMPING_TX_ACK); C(SOF_TIMESTAMPING_OPT_CMSG); C(SOF_TIMESTAMPING_OPT_TSONLY);
    C(SOF_TIMESTAMPING_OPT_STATS); C(SOF_TIMESTAMPING_OPT_PKTINFO); C(SOF_TIMESTAMPING_OPT_TX_SWHW);
    C(SOF_TIMESTAMPING_BIND_PHC);
    C(SCM_TSTAMP_SND); C(SCM_TSTAMP_SCHED); C(SCM_TSTAMP_ACK);
    C(SO_EE_ORIGIN_NONE); C(SO_EE_ORIGIN_LOCAL); C(SO_EE_ORIGIN_ICMP); C(SO_EE_ORIGIN_ICMP6);
    C(SO_EE_ORIGIN_TXSTATUS); C(SO_EE_ORIGIN_TIMESTAMPING);
    C(HWTSTAMP_TX_OFF); C(HWTSTAMP_TX_ON); C(HWTSTAMP_FILTER_NONE); C(HWTSTAMP_FILTER_ALL);
    C(HWTSTAMP_FILTER_NTP_ALL);

    /* Clocks */
    C(CLOCK_REALTIME); C(CLOCK_MONOTONIC); C(CLOCK_PROCESS_CPUTIME_ID); C(CLOCK_THREAD_CPUTIME_ID);
    C(CLOCK_MONOTONIC_RAW); C(CLOCK_REALTIME_COARSE); C(CLOCK_MONOTONIC_COARSE); C(CLOCK_BOOTTIME); C(CLOCK_TAI);
    C(TIMER_ABSTIME);

    /* Adjtimex */
    C(ADJ_OFFSET); C(ADJ_FREQUENCY); C(ADJ_MAXERROR); C(ADJ_ESTERROR); C(ADJ_STATUS); C(ADJ_TIMECONST);
    C(ADJ_TAI); C(ADJ_SETOFFSET); C(ADJ_MICRO); C(ADJ_NANO); C(ADJ_TICK); C(ADJ_OFFSET_SINGLESHOT);
    C(ADJ_OFFSET_SS_READ);
    C(STA_PLL); C(STA_PPSFREQ); C(STA_PPSTIME); C(STA_FLL); C(STA_INS); C(STA_DEL); C(STA_UNSYNC);
    C(STA_FREQHOLD); C(STA_PPSSIGNAL); C(STA_PPSJITTER); C(STA_PPSWANDER); C(STA_PPSERROR); C(STA_CLOCKERR);
    C(STA_NANO); C(STA_MODE); C(STA_CLK); C(STA_RONLY);
    C(TIME_OK); C(TIME_INS); C(TIME_DEL); C(TIME_OOP); C(TIME_WAIT); C(TIME_ERROR);

    /* Rtc */
    C(RTC_AIE_ON); C(RTC_AIE_OFF); C(RTC_UIE_ON); C(RTC_UIE_OFF); C(RTC_PIE_ON); C(RTC_PIE_OFF);
    C(RTC_ALM_SET); C(RTC_ALM_READ); C(RTC_RD_TIME); C(RTC_SET_TIME); C(RTC_IRQP_READ); C(RTC_IRQP_SET);
    C(RTC_EPOCH_READ); C(RTC_EPOCH_SET); C(RTC_WKALM_SET); C(RTC_WKALM_RD); C(RTC_VL_READ); C(RTC_VL_CLR);
    C(RTC_PARAM_GET); C(RTC_PARAM_SET);

    /* Pps */
    C(PPS_GETPARAMS); C(PPS_SETPARAMS); C(PPS_GETCAP); C(PPS_FETCH); C(PPS_KC_BIND);
    C(PPS_API_VERS_1); C(PPS_API_VERS); C(PPS_MAX_NAME_LEN); C(PPS_TIME_INVALID);
    C(PPS_CAPTUREASSERT); C(PPS_CAPTURECLEAR); C(PPS_CAPTUREBOTH); C(PPS_OFFSETASSERT); C(PPS_OFFSETCLEAR);
    C(PPS_ECHOASSERT); C(PPS_ECHOCLEAR); C(PPS_CANWAIT); C(PPS_CANPOLL); C(PPS_TSFMT_TSPEC); C(PPS_TSFMT_NTPFP);
    C(PPS_KC_HARDPPS); C(PPS_KC_HARDPPS_PLL); C(PPS_KC_HARDPPS_FLL);

    /* Ptp */
    C(PTP_MAX_SAMPLES); C(PTP_CLOCK_GETCAPS); C(PTP_SYS_OFFSET); C(PTP_SYS_OFFSET_PRECISE);
    C(PTP_SYS_OFFSET_EXTENDED); C(PTP_CLOCK_GETCAPS2); C(PTP_SYS_OFFSET2); C(PTP_SYS_OFFSET_PRECISE2);
    C(PTP_SYS_OFFSET_EXTENDED2);

    /* Serial */
    C(TCSANOW); C(TCSADRAIN); C(TCSAFLUSH); C(NCCS); C(VMIN); C(VTIME);
    C(CBAUD); C(CBAUDEX); C(CSIZE); C(CS8); C(CSTOPB); C(CREAD); C(PARENB); C(HUPCL); C(CLOCAL); C(CRTSCTS);
    C(ISIG); C(ICANON); C(ECHO); C(ICRNL); C(IXON); C(OPOST);
    C(B0); C(B1200); C(B2400); C(B4800); C(B9600); C(B19200); C(B38400); C(B57600); C(B115200); C(B230400);
    C(B460800); C(B921600);

    /* Ipc */
    C(IPC_PRIVATE); C(IPC_CREAT); C(IPC_EXCL); C(IPC_NOWAIT); C(IPC_RMID); C(IPC_STAT); C(SHM_RDONLY);

    /* Sys */
    C(O_RDONLY); C(O_WRONLY); C(O_RDWR); C(O_CREAT); C(O_NOCTTY); C(O_TRUNC); C(O_NONBLOCK); C(O_CLOEXEC);
    C(F_GETFL); C(F_SETFL);
    C(MCL_CURRENT); C(MCL_FUTURE); C(MCL_ONFAULT);
    C(PR_GET_KEEPCAPS); C(PR_SET_KEEPCAPS); C(PR_SET_NAME); C(PR_GET_NAME); C(PR_CAPBSET_READ);
    C(PR_CAPBSET_DROP); C(PR_SET_NO_NEW_PRIVS); C(PR_GET_NO_NEW_PRIVS); C(PR_CAP_AMBIENT);
    C(PR_CAP_AMBIENT_IS_SET); C(PR_CAP_AMBIENT_RAISE); C(PR_CAP_AMBIENT_LOWER); C(PR_CAP_AMBIENT_CLEAR_ALL);
    C(_LINUX_CAPABILITY_VERSION_3); C(_LINUX_CAPABILITY_U32S_3);
    C(CAP_SETGID); C(CAP_SETUID); C(CAP_SETPCAP); C(CAP_NET_BIND_SERVICE); C(CAP_NET_ADMIN); C(CAP_NET_RAW);
    C(CAP_IPC_LOCK); C(CAP_SYS_NICE); C(CAP_SYS_RESOURCE); C(CAP_SYS_TIME); C(CAP_LAST_CAP);
    C(CPU_SETSIZE);
    return 0;
}
