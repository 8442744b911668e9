// The executable is several files on purpose: with a single file SwiftPM compiles it as top-level
// code and generates an empty `main` that shadows the C-level one in Entry.swift.

let usageText = """
usage: meter-sim --link PATH [--address N[:MODEL]]… [--power W] [--voltage V] [--energy WH] [--speed X]
                [--energy-max WH] [--energy-max-mode wrap|saturate]
                [--wire-timing BAUD] [--drop P] [--corrupt P] [--garbage P]
                [--delay MS] [--delay-fraction P] [--seed N]
Simulates meters on one pty bus; PATH becomes a symlink to its terminal end.
  --address N[:MODEL] a meter at slave address N (1-247); MODEL is pzem004t (default), sdm120 or
                     sdm630 (Eastron: float32 input registers); repeat for more meters (default 1)
  --power W          load of every meter in W, one decimal (default 0)
  --voltage V        mains voltage in V, one decimal (default 230.0)
  --energy WH        initial energy counter of every meter in Wh (default 0)
  --energy-max WH    largest value of the energy counter (default 4294967295)
  --energy-max-mode wrap|saturate  past it the counter restarts at 0 (default) or stays
  --speed X          energy accrues X times faster than real time, up to 3 decimals (default 1)
  --wire-timing BAUD send every byte as a real 8N1 line at BAUD would, after t3.5 of silence
  --drop P           fraction 0..1 of replies never sent
  --corrupt P        fraction of replies with one bit flipped (bad CRC)
  --garbage P        fraction of replies preceded by 1-8 random bytes
  --delay MS         hold replies back MS milliseconds (--delay-fraction P of them, default all)
  --seed N           seed of the fault generator (default: from the clock)
Prints `ready PATH` once the link exists. Commands on stdin, one per line:
  power ADDR W | voltage ADDR V | energy ADDR WH | silent ADDR on|off | stats
Stops on SIGTERM or SIGINT (removing the link); stdin closing does not stop it.
"""
