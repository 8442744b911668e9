import OS
import Config
import Control
import Journal
import Ledger
import Meters
import ModbusRTU

/// The one loop (DESIGN §2 "The loop"): every source of events and where it is handled.
/// Each turn: service what is due, build the pollfd set, sleep in poll(2) until the nearest
/// deadline, dispatch what is ready. Nothing here blocks but poll itself and the journal's
/// fdatasync.
extension Daemon {
    /// How long a stop may wait for the bus transaction in flight.
    static let stopGraceMs: Int64 = 2_000
    /// The loop wakes at least this often, so time-based rules (fault timeout, friendly hours)
    /// take effect without a reading to trigger them.
    static let decisionTickMs: Int64 = 1_000

    /// Runs until SIGTERM/SIGINT; returns the exit status.
    func run() -> Int32 {
        let nowMono = Clock.monotonicMs()
        plant.decideAndDriveAll(nowMono: nowMono)
        var fds = PollSet()
        fds.reserveCapacity(64)
        while true {
            let nowMono = Clock.monotonicMs()
            let nowMicros = Clock.monotonicMicros()

            // 1. What is due by the clock. The watchdog first: it is petted only while the loop turns.
            petWatchdog(nowMono: nowMono)
            if let stop = stopRequestedMono, !poller.isBusy || nowMono - stop >= Daemon.stopGraceMs { break }
            poller.handleTimer(nowMicros: nowMicros, nowMono: nowMono)
            let nextPoll = stopRequestedMono == nil ? poller.startDuePoll(nowMono: nowMono) : nil
            poller.handleTimer(nowMicros: Clock.monotonicMicros(), nowMono: nowMono)    // send it now if the line is quiet
            plant.checkpointIfDue(nowMono: nowMono)
            journal.checkIfDue(nowMono: nowMono, everyMs: Daemon.decisionTickMs)
            plant.decideAndDriveAll(nowMono: nowMono)     // a damaged journal opens every relay here
            let nextLed = plant.blinkLeds(nowMono: nowMono)
            server.tick(now: nowMono)
            payments?.service(nowMono: nowMono)

            // 2. The nearest deadline.
            var deadline = nowMono + Daemon.decisionTickMs
            func consider(_ t: Int64?) { if let t, t < deadline { deadline = t } }
            consider(nextPoll)
            consider(nextLed)
            consider(poller.nextDeadlineMono)
            consider(server.nextDeadline())
            consider(payments?.nextDeadline(nowMono: nowMono))
            consider(watchdog?.nextPetMono)
            if let stop = stopRequestedMono { consider(stop + Daemon.stopGraceMs) }
            consider(plant.nextCheckpointMono)

            // 3. What to wait on.
            fds.removeAll()
            let signalIndex = fds.add(signals.fd, .readable)
            var busIndex: Int? = nil
            if let busFD = poller.readableDescriptor { busIndex = fds.add(busFD, .readable) }
            let serverStart = fds.count
            server.appendPollDescriptors(to: &fds)
            let nodeStart = fds.count
            payments?.appendPollDescriptors(to: &fds)

            // Deadlines may lie in the past (Int64.min: "do not wait"); no subtraction can overflow.
            let before = Clock.monotonicMs()
            let timeout = deadline <= before ? 0 : Int32(clamping: deadline - before)
            let ready: Int
            do { ready = try fds.wait(timeoutMs: timeout) } catch {
                log.error(error.message)
                return 2
            }
            if ready == 0 { continue }   // the deadline, or a signal (EINTR): turn again

            // 4. Dispatch.
            let now = Clock.monotonicMs()
            if !fds.readiness(signalIndex).isEmpty { handleSignals() }
            if let busIndex, !fds.readiness(busIndex).isEmpty {
                poller.handleReadable(nowMicros: Clock.monotonicMicros(), nowMono: now)
            }
            for i in serverStart..<nodeStart {
                let readiness = fds.readiness(i)
                if !readiness.isEmpty { server.handle(fd: fds.descriptor(i), readiness: readiness, now: now) }
            }
            for i in nodeStart..<fds.count {
                let readiness = fds.readiness(i)
                if !readiness.isEmpty { payments?.handle(fd: fds.descriptor(i), readiness: readiness) }
            }
        }
        shutdown()
        return 0
    }

    private func handleSignals() {
        let pending: [Signal]
        do { pending = try signals.readPending() } catch {
            log.error("signals: \(error.message)")
            return
        }
        for signal in pending {
            switch signal {
            case .terminate, .interrupt:
                if stopRequestedMono == nil {
                    log.notice("stopping (\(signal == .terminate ? "SIGTERM" : "SIGINT"))")
                    stopRequestedMono = Clock.monotonicMs()
                }
            case .reload:
                _ = reload()
            }
        }
    }

    private func petWatchdog(nowMono: Int64) {
        do { try watchdog?.petIfDue(nowMono: nowMono) } catch { log.error(error.message) }
    }

    /// The way out: consumption journaled, relays opened, lines released, the watchdog disarmed
    /// (only now: a stop that hangs before the relays are open still resets the board), socket removed.
    private func shutdown() {
        let nowMono = Clock.monotonicMs()
        plant.checkpointIfDue(nowMono: nowMono, force: true)
        plant.releaseOutputs()
        watchdog?.disarm()
        poller.close()
        server.shutdown()
        payments?.close()
        journal.close()
        signals.close()
        log.notice("stopped")
    }
}
