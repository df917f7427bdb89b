/*
 * The cheapest milter there is, for bench/mta.sh: it negotiates to skip every event it may skip
 * (connect, HELO, MAIL, RCPT, DATA, headers, end of headers, body, unknown commands) and answers
 * "continue" to the end of message, which the MTA always sends. What Postfix spends with it is the
 * floor of Postfix's own milter client: a connection per SMTP session, the option negotiation, the
 * connection handed from smtpd to cleanup, one round trip at the end of the message, QUIT.
 * A thread per connection with blocking I/O, TCP_NODELAY and quick ACKs; loopback only; runs until
 * killed.
 *
 *   cc -O2 -pthread -o null-milter null-milter.c && ./null-milter 127.0.0.1 PORT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SKIP_ALL (0x01u | 0x02u | 0x04u | 0x08u | 0x10u | 0x20u | 0x40u | 0x100u | 0x200u) /* SMFIP_NO* */
#define MAX_PACKET (1u << 20)
#define BUFFER 65536u

/* Reads n octets; then asks for an immediate ACK (Linux resets quick-ACK mode on its own): the MTA
 * writes events that get no reply (macros), and under Nagle its next packet would wait for our
 * delayed ACK, 40 ms a message. */
static int read_all(int fd, void *buf, size_t n)
{
    size_t got = 0;
    int one = 1;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    return 0;
}

static int reply(int fd, char command, const void *data, uint32_t size)
{
    unsigned char out[32];
    uint32_t length = htonl(size + 1);
    memcpy(out, &length, 4);
    out[4] = (unsigned char)command;
    memcpy(out + 5, data, size);
    return write(fd, out, 5 + size) == (ssize_t)(5 + size) ? 0 : -1;
}

static void *conversation(void *arg)
{
    int fd = (int)(intptr_t)arg;
    unsigned char *body = malloc(BUFFER);
    for (;;) {
        uint32_t length;
        if (read_all(fd, &length, 4) < 0)
            break;
        length = ntohl(length);
        if (length == 0 || length > MAX_PACKET)
            break;
        uint32_t kept = length < BUFFER ? length : BUFFER, rest = length - kept;
        if (read_all(fd, body, kept) < 0)
            break;
        while (rest > 0) { /* a large header or body chunk: only its command octet matters */
            uint32_t part = rest < BUFFER - 1 ? rest : BUFFER - 1;
            if (read_all(fd, body + 1, part) < 0)
                goto done;
            rest -= part;
        }
        char command = (char)body[0];
        if (command == 'O' && length >= 13) {
            uint32_t offer[3], answer[3];
            memcpy(offer, body + 1, 12);
            answer[0] = htonl(ntohl(offer[0]) < 6 ? ntohl(offer[0]) : 6);
            answer[1] = 0;
            answer[2] = htonl(ntohl(offer[2]) & SKIP_ALL);
            if (reply(fd, 'O', answer, 12) < 0)
                break;
        } else if (command == 'E') {
            if (reply(fd, 'c', "", 0) < 0)
                break;
        } else if (command == 'Q') {
            break;
        } else if (strchr("DACHLMRTUNB", command) == NULL) {
            if (reply(fd, 'c', "", 0) < 0)
                break;
        } /* macros and abort get no reply; the other events were negotiated away */
    }
done:
    free(body);
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s ADDRESS PORT\n", argv[0]);
        return 2;
    }
    int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
    inet_pton(AF_INET, argv[1], &address.sin_addr);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 128) < 0) {
        perror("null-milter");
        return 1;
    }
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0)
            continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_t thread;
        if (pthread_create(&thread, NULL, conversation, (void *)(intptr_t)fd) != 0) {
            close(fd);
            continue;
        }
        pthread_detach(thread);
    }
}
