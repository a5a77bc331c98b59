"""The command line and sweeps: the Hydra app (``cli``, with ``callbacks`` the only modules that
import Hydra), one scenario point's job, a sweep's bookkeeping, gathering and report."""
