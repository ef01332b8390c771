"""Assistant de mutualisation: does an asset already exist for my need?"""

import os

# The assistant runs on closed government networks: nothing may phone home or fetch a model at run time.
for _variable, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
}.items():
    os.environ.setdefault(_variable, _value)
