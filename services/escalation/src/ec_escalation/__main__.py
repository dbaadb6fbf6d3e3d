from ec_escalation.app import create_app
from ec_escalation.settings import DEFAULT_PORT
from ec_platform.serve import serve

if __name__ == "__main__":
    serve(create_app, name="escalation", default_port=DEFAULT_PORT)
