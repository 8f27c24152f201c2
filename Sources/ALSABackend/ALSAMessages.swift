// SPDX-License-Identifier: GPL-2.0-or-later
import CALSA
import Foundation
import Synchronization

/// alsa-lib's own error messages (its `SNDERR`s, e.g. "Unknown PCM bogus"), folded into
/// loopbench's one-line errors instead of printed as an extra "ALSA lib …" line on stderr.
///
/// alsa-lib's default error handler hands each message to the calling thread's local handler
/// when one is set (`snd_lib_error_set_local`, alsa-lib ≥ 1.1.6, see alsa/error.h), which
/// receives the format and its `va_list`: formatted here and kept until ``take()``. Every
/// thread that calls into alsa-lib installs it first (``install()``).
enum ALSAMessages {
    private static let pending = Mutex<[String]>([])

    private static let handler: snd_local_error_handler_t = { _, _, function, err, fmt, args in
        guard let fmt, let args else { return }
        var buf = [CChar](repeating: 0, count: 512)
        _ = vsnprintf(&buf, buf.count, fmt, args)
        var text = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if let function { text = "(\(String(cString: function))) " + text }
        if err != 0 { text += ": " + String(cString: strerror(err)) }
        pending.withLock { list in
            list.append(text)
            if list.count > 4 { list.removeFirst() }
        }
    }

    /// Routes this thread's alsa-lib messages here.
    static func install() { _ = snd_lib_error_set_local(handler) }

    /// The messages since the last call, as one clause (nil when there were none).
    static func take() -> String? {
        let list = pending.withLock { list in defer { list = [] }; return list }
        return list.isEmpty ? nil : "alsa-lib: " + list.joined(separator: "; ")
    }

    /// `text`, with alsa-lib's messages since the last call appended in parentheses.
    static func folded(_ text: String) -> String {
        take().map { "\(text) (\($0))" } ?? text
    }
}
