import logging
import time

from benchmarks import fidelity
from benchmarks.experiments.continued_training_variants.proxy_setup import fmt, setup

logging.basicConfig(level=logging.INFO)
logging.getLogger("gensim").setLevel(logging.WARNING)
t=time.time(); s = setup("proxy"); print("setup", time.time()-t)
for role in ("a","b","floor"):
    f = fidelity.score(s["models"][role].wv, s); print(role, fmt(f))
print({k: len(v) for k, v in s["groups"].items()})
