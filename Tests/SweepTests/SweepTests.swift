// SPDX-License-Identifier: GPL-2.0-or-later
import Testing
@testable import Sweep

@Test func placeholder() {}
