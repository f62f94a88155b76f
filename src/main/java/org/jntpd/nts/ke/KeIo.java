package org.jntpd.nts.ke;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.jntpd.nts.KeException;
import org.jntpd.nts.KeException.Problem;
import org.jntpd.nts.KeRecord;

/** Reading one NTS-KE message off a stream: record by record up to End of Message, never more than a bound. */
final class KeIo {
    private KeIo() {}

    /** The bytes of one message, End of Message included; refuses more than {@code maxLength} bytes before reading them. */
    static byte[] readMessage(InputStream in, int maxLength) throws IOException, KeException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        byte[] header = new byte[KeRecord.HEADER];
        while (true) {
            int n = in.readNBytes(header, 0, header.length);
            if (n < header.length) {
                throw new KeException(Problem.TRUNCATED, "connection closed after " + (message.size() + n)
                        + " bytes, before End of Message");
            }
            int type = (header[0] & 0x7F) << 8 | (header[1] & 0xFF);
            int length = (header[2] & 0xFF) << 8 | (header[3] & 0xFF);
            if (message.size() + header.length + length > maxLength) {
                throw new KeException(Problem.OVERSIZED, "message longer than " + maxLength + " bytes");
            }
            message.write(header, 0, header.length);
            byte[] body = in.readNBytes(length);
            if (body.length < length) {
                throw new KeException(Problem.TRUNCATED, "connection closed inside a record of " + length + " bytes");
            }
            message.writeBytes(body);
            if (type == KeRecord.END_OF_MESSAGE) {
                return message.toByteArray();
            }
        }
    }
}
