import Ledger

/// One snapshot of a meter's registers in the meter's own fixed-point units. Every field names
/// its unit; `FixedPoint.format` turns them into decimals for people.
public struct Reading: Equatable, Sendable {
    /// RMS voltage in 0.1 V.
    public var voltageDecivolts: UInt16
    /// RMS current in mA.
    public var currentMilliamps: UInt32
    /// Active power in 0.1 W.
    public var powerDeciwatts: UInt32
    /// The meter's cumulative energy counter in whole Wh.
    public var energyWattHours: UInt32
    /// Mains frequency in 0.1 Hz.
    public var frequencyDecihertz: UInt16
    /// Power factor in hundredths (100 = 1.00).
    public var powerFactorHundredths: UInt16
    /// The meter's power alarm (power above its threshold register).
    public var alarm: Bool
    /// A three-phase meter's lines L1, L2, L3 (empty for a single-phase meter). Then the fields
    /// above are the totals: the phases' mean voltage, the sum of their currents, the total power.
    public var phases: [PhaseReading]

    public init(voltageDecivolts: UInt16, currentMilliamps: UInt32, powerDeciwatts: UInt32,
                energyWattHours: UInt32, frequencyDecihertz: UInt16, powerFactorHundredths: UInt16,
                alarm: Bool, phases: [PhaseReading] = []) {
        self.phases = phases
        self.voltageDecivolts = voltageDecivolts
        self.currentMilliamps = currentMilliamps
        self.powerDeciwatts = powerDeciwatts
        self.energyWattHours = energyWattHours
        self.frequencyDecihertz = frequencyDecihertz
        self.powerFactorHundredths = powerFactorHundredths
        self.alarm = alarm
    }

    /// The raw value of `quantity`, in its fixed-point unit.
    public func value(_ quantity: Quantity) -> UInt32 {
        switch quantity {
        case .voltage: UInt32(voltageDecivolts)
        case .current: currentMilliamps
        case .power: powerDeciwatts
        case .energy: energyWattHours
        case .frequency: UInt32(frequencyDecihertz)
        case .powerFactor: UInt32(powerFactorHundredths)
        }
    }

    /// `quantity` as a decimal in its display unit: `"230.1"` (V), `"12.345"` (A), `"2759.8"` (W).
    public func text(_ quantity: Quantity) -> String {
        FixedPoint.format(Int128(value(quantity)), decimals: quantity.decimals)
    }
}

/// One line of a three-phase meter, in the units of `Reading`.
public struct PhaseReading: Equatable, Sendable {
    public var voltageDecivolts: UInt16
    public var currentMilliamps: UInt32
    public var powerDeciwatts: UInt32

    public init(voltageDecivolts: UInt16, currentMilliamps: UInt32, powerDeciwatts: UInt32) {
        self.voltageDecivolts = voltageDecivolts
        self.currentMilliamps = currentMilliamps
        self.powerDeciwatts = powerDeciwatts
    }
}

/// The measured quantities of a `Reading`, with their display unit and fixed-point scale.
public enum Quantity: Equatable, Sendable, CaseIterable {
    case voltage, current, power, energy, frequency, powerFactor

    /// Digits after the decimal point in the meter's unit (0.1 V → 1).
    public var decimals: Int {
        switch self {
        case .voltage, .power, .frequency: 1
        case .current: 3
        case .energy: 0
        case .powerFactor: 2
        }
    }

    /// The display unit (after scaling by `decimals`).
    public var unit: String {
        switch self {
        case .voltage: "V"
        case .current: "A"
        case .power: "W"
        case .energy: "Wh"
        case .frequency: "Hz"
        case .powerFactor: ""
        }
    }

    /// The name used in messages and status keys.
    public var name: String {
        switch self {
        case .voltage: "voltage"
        case .current: "current"
        case .power: "power"
        case .energy: "energy"
        case .frequency: "frequency"
        case .powerFactor: "power factor"
        }
    }
}
