/*
 * Prints the layouts jntpd's refclock package reads as key=value lines, for RefclockAbiTest:
 *   struct shmTime    ntpd's refclock_shm.c (the same layout chrony and gpsd use); not in any system header,
 *                     so it is declared here as ntpd declares it
 *   struct sock_sample chrony's refclock_sock.c (gpsd's timehint.c declares the same)
 * plus one sock_sample datagram filled through the C struct, as hex, so the Java decoder is checked against the
 * bytes a C sender produces. Build: gcc -O0 -Wall -o refclock_abi refclock_abi.c
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

struct shmTime {
	int mode;
	volatile int count;
	time_t clockTimeStampSec;
	int clockTimeStampUSec;
	time_t receiveTimeStampSec;
	int receiveTimeStampUSec;
	int leap;
	int precision;
	int nsamples;
	volatile int valid;
	unsigned clockTimeStampNSec;
	unsigned receiveTimeStampNSec;
	int dummy[8];
};

struct sock_sample {
	struct timeval tv;
	double offset;
	int pulse;
	int leap;
	int _pad;
	int magic;
};

#define P(name, value) printf("%s=%ld\n", name, (long)(value))

int main(void)
{
	P("shmTime.sizeof", sizeof(struct shmTime));
	P("shmTime.mode", offsetof(struct shmTime, mode));
	P("shmTime.count", offsetof(struct shmTime, count));
	P("shmTime.clockTimeStampSec", offsetof(struct shmTime, clockTimeStampSec));
	P("shmTime.clockTimeStampUSec", offsetof(struct shmTime, clockTimeStampUSec));
	P("shmTime.receiveTimeStampSec", offsetof(struct shmTime, receiveTimeStampSec));
	P("shmTime.receiveTimeStampUSec", offsetof(struct shmTime, receiveTimeStampUSec));
	P("shmTime.leap", offsetof(struct shmTime, leap));
	P("shmTime.precision", offsetof(struct shmTime, precision));
	P("shmTime.nsamples", offsetof(struct shmTime, nsamples));
	P("shmTime.valid", offsetof(struct shmTime, valid));
	P("shmTime.clockTimeStampNSec", offsetof(struct shmTime, clockTimeStampNSec));
	P("shmTime.receiveTimeStampNSec", offsetof(struct shmTime, receiveTimeStampNSec));
	P("shmTime.dummy", offsetof(struct shmTime, dummy));
	P("sock_sample.sizeof", sizeof(struct sock_sample));
	P("sock_sample.tv_sec", offsetof(struct sock_sample, tv) + offsetof(struct timeval, tv_sec));
	P("sock_sample.tv_usec", offsetof(struct sock_sample, tv) + offsetof(struct timeval, tv_usec));
	P("sock_sample.offset", offsetof(struct sock_sample, offset));
	P("sock_sample.pulse", offsetof(struct sock_sample, pulse));
	P("sock_sample.leap", offsetof(struct sock_sample, leap));
	P("sock_sample._pad", offsetof(struct sock_sample, _pad));
	P("sock_sample.magic", offsetof(struct sock_sample, magic));

	struct sock_sample s;
	memset(&s, 0, sizeof s);
	s.tv.tv_sec = 1700000123;
	s.tv.tv_usec = 456789;
	s.offset = -0.0123456789;
	s.pulse = 0;
	s.leap = 1;
	s.magic = 0x534f434b;
	printf("sock_sample.bytes=");
	for (size_t i = 0; i < sizeof s; i++)
		printf("%02x", ((unsigned char *)&s)[i]);
	printf("\n");
	return 0;
}
