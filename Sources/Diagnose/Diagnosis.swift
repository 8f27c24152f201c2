// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// The diagnosis document (`schemas/diagnosis.schema.json`).
public struct Diagnosis: Codable, Sendable, Equatable {
    public static let schemaID = "loopbench/diagnosis/v1"

    public struct Input: Codable, Sendable, Equatable {
        public var form: AudioSetup.Form
        /// The file, `argument`, `pid N` or `environment` it was read from.
        public var source: String
        public var machine: String?
        public var qemuVersion: String
        public var qemuVersionSource: String
        public var modelVersion: String?
        enum CodingKeys: String, CodingKey {
            case form, source, machine
            case qemuVersion = "qemu_version"
            case qemuVersionSource = "qemu_version_source"
            case modelVersion = "model_version"
        }
    }

    public struct Search: Codable, Sendable, Equatable {
        public var candidates: Int
        public var passing: Int
        public var repeats: Int
        public var seconds: Double
    }

    public var schema: String = Diagnosis.schemaID
    public var tool: LoopMeasurement.Tool = .init()
    public var created: String
    public var input: Input
    /// `clean`, `crackles`, `no-signal`, `no-audio`, `silent-backend`, `not-modelled`.
    public var status: String
    public var headline: String
    public var mapping: [MappingRow]
    public var unmapped: [Unmapped]
    public var notes: [String]
    /// The card-model settings the user's setup maps to (as `--set` takes them).
    public var settings: [String: String]
    public var current: Evaluation?
    public var sensitivity: [SensitivityPoint]
    public var sensitivityText: String?
    public var options: [FixOption]
    public var search: Search?
    /// The user's own point on a real backend (`--verify qemu`).
    public var verification: Evaluation?

    enum CodingKeys: String, CodingKey {
        case schema, tool, created, input, status, headline, mapping, unmapped, notes, settings, current, sensitivity
        case sensitivityText = "sensitivity_text"
        case options, search, verification
    }
}
