from ec_notifier.app import create_app
from ec_notifier.settings import DEFAULT_PORT
from ec_platform.serve import serve

if __name__ == "__main__":
    serve(create_app, name="notifier", default_port=DEFAULT_PORT)
