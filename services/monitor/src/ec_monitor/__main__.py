from ec_monitor.app import create_app
from ec_monitor.settings import DEFAULT_PORT
from ec_platform.serve import serve

if __name__ == "__main__":
    serve(create_app, name="monitor", default_port=DEFAULT_PORT)
