from services.evaluation.bootstrap import build_spec
from shared.runtime import serve

if __name__ == "__main__":
    serve(build_spec())
