// SPDX-License-Identifier: GPL-2.0-or-later

/// Exit codes in the style of BSD `sysexits.h`.
public enum ExitStatus: Int32, Sendable {
    case ok = 0
    /// A regression or a failed check (used by `gate`).
    case failure = 1
    /// The command was used incorrectly: a bad option or setting.
    case usage = 64
    /// The input data was incorrect in some way.
    case dataError = 65
    /// An input file did not exist or was not readable.
    case noInput = 66
    /// A service (a sound server, a device) is unavailable.
    case unavailable = 69
    /// An internal error.
    case software = 70
    /// An output file could not be created.
    case cantCreate = 73
    /// An I/O error.
    case ioError = 74
    /// A temporary failure: try again.
    case tempFail = 75
}

/// Every error loopbench reports to a person: what went wrong, where, and what to do.
///
/// The CLI prints `description` as one line on stderr and exits with `exitStatus`.
public struct LoopbenchError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure, which selects the exit status.
    public enum Kind: String, Sendable {
        case usage, badData, missingInput, unavailable, io, internalError, interrupted
        /// Another process holds what this one needs (a sweep folder): try again later.
        case busy
    }
    public var kind: Kind
    /// The file, device, setting or server concerned, if any.
    public var subject: String?
    /// What went wrong, and where useful, what to do about it.
    public var message: String

    public init(_ kind: Kind, _ subject: String? = nil, _ message: String) {
        self.kind = kind
        self.subject = subject
        self.message = message
    }

    public static func usage(_ message: String, subject: String? = nil) -> Self { .init(.usage, subject, message) }
    public static func badData(_ subject: String?, _ message: String) -> Self { .init(.badData, subject, message) }
    public static func missingInput(_ subject: String?, _ message: String) -> Self { .init(.missingInput, subject, message) }
    public static func unavailable(_ subject: String?, _ message: String) -> Self { .init(.unavailable, subject, message) }
    public static func io(_ subject: String?, _ message: String) -> Self { .init(.io, subject, message) }

    /// One line: `subject: message`.
    public var description: String {
        let text = message.replacingOccurrences(of: "\n", with: " ")
        if let subject { return "\(subject): \(text)" }
        return text
    }

    public var exitStatus: ExitStatus {
        switch kind {
        case .usage: .usage
        case .badData: .dataError
        case .missingInput: .noInput
        case .unavailable: .unavailable
        case .io: .ioError
        case .internalError: .software
        case .interrupted: .tempFail
        case .busy: .tempFail
        }
    }
}
